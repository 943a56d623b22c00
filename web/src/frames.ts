/**
 * The frames the browser receives: protocol v1's, plus the read-marker
 * frame of servers that announce the "read-markers" feature.
 */
import type { ServerFrame, WelcomeFrame } from '../../src/protocol/frames.ts';

export interface ReadMarker {
  type: 'read';
  /** A room, or "@" for private messages. */
  room: string;
  msg: number;
  unread?: number;
}

export type Welcome = WelcomeFrame & { features?: string[] };

export type Incoming = Exclude<ServerFrame, WelcomeFrame> | Welcome | ReadMarker;
