/** The frames the browser receives: protocol v1's (src/protocol is shared with the server). */
import type { ServerFrame } from '../../src/protocol/frames.ts';

export type Incoming = ServerFrame;
