/**
 * The bytes of a view as an ArrayBuffer of exactly their length, to hand to a worker or a reply.
 * A Buffer's own slice() is a view like subarray(), so `buf.slice().buffer` can be Node's whole
 * shared 8 KB pool: copy through Uint8Array's slice instead.
 */
export function exactBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return bytes.buffer as ArrayBuffer;
  return Uint8Array.prototype.slice.call(bytes).buffer as ArrayBuffer;
}

/** A file of the decoder's own: a shared one (the source cache's, read only) copied, a plain one as it is. */
export const ownBuffer = (bytes: ArrayBufferLike): ArrayBuffer => (bytes instanceof SharedArrayBuffer ? new Uint8Array(bytes).slice().buffer : (bytes as ArrayBuffer));
