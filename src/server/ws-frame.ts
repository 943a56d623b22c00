/**
 * WebSocket framing for what the server sends (RFC 6455 §5.2): one
 * unmasked, final text frame per NDJSON frame. A broadcast is framed here
 * once and the same Buffer is written to every WebSocket recipient's socket,
 * beside the frames `ws` itself writes (pongs, close): frames are whole
 * writes, so they never interleave inside one another.
 */

const FIN_TEXT = 0x81;

function header(opcode: number, length: number): Buffer {
  if (length < 126) return Buffer.from([opcode, length]);
  if (length < 0x10000) {
    const h = Buffer.allocUnsafe(4);
    h[0] = opcode;
    h[1] = 126;
    h.writeUInt16BE(length, 2);
    return h;
  }
  const h = Buffer.allocUnsafe(10);
  h[0] = opcode;
  h[1] = 127;
  h.writeBigUInt64BE(BigInt(length), 2);
  return h;
}

/** One text frame carrying `payload` (UTF-8 the caller has already encoded). */
export function textFrame(payload: Uint8Array): Buffer {
  return Buffer.concat([header(FIN_TEXT, payload.length), payload]);
}
