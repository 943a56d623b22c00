/**
 * Telling IRC clients from people on the one port: both arrive over TLS
 * without ALPN, but an IRC client speaks first (`CAP`, `PASS`, `NICK` or
 * `USER`, perhaps after message tags) while a person waits for the text
 * greeting. The greeting is held for IRC_DETECT_MS; whoever has said
 * nothing by then, or something else, gets text mode with the bytes they
 * sent kept for it.
 */
import type { TLSSocket } from 'node:tls';
import { classifyOpening } from '../protocol/irc-opening.ts';

/** How long the text greeting waits for an IRC client to speak (docs/irc.md). */
export const IRC_DETECT_MS = 300;

/** The wait on a server with this login deadline: at most a tenth of it, so logins keep their time. */
export function detectWindowMs(loginTimeoutMs: number): number {
  return Math.min(IRC_DETECT_MS, Math.floor(loginTimeoutMs / 10));
}
/**
 * Waits for the verdict on a socket that offered no ALPN. `decide` gets the
 * dialect and the bytes read meanwhile (the socket is left paused); it is not
 * called when the socket closes first.
 */
export function detectIrc(
  socket: TLSSocket,
  windowMs: number,
  decide: (dialect: 'irc' | 'text', first: Buffer | null) => void,
): void {
  const chunks: Buffer[] = [];
  let done = false;
  const finish = (irc: boolean) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('close', onClose);
    socket.pause();
    decide(irc ? 'irc' : 'text', chunks.length === 0 ? null : Buffer.concat(chunks));
  };
  const onData = (chunk: Buffer) => {
    chunks.push(chunk);
    const verdict = classifyOpening(Buffer.concat(chunks));
    if (verdict !== null) finish(verdict);
  };
  const onClose = () => {
    done = true;
    clearTimeout(timer);
  };
  const timer = setTimeout(() => finish(false), windowMs);
  socket.on('data', onData);
  socket.once('close', onClose);
  socket.on('error', () => {}); // 'close' follows
}
