/**
 * A JPEG's marker segments from after SOI to EOI, each checked against the file before it is
 * visited, for the decoders that read the whole stream themselves (lossless and arithmetic-coded
 * JPEG). `visit` gets a segment's marker, the start of its body, its length and where it ends, and
 * returns where the walk goes on: a scan's decoder returns the end of its entropy-coded data,
 * undefined goes on after the segment.
 */
export function walkJpeg(
  b: Uint8Array,
  kind: string,
  fail: (what: string) => never,
  visit: (marker: number, body: number, length: number, next: number) => number | undefined,
): void {
  let i = 2;
  while (true) {
    if (i + 2 > b.length || b[i] !== 0xff) fail(`its ${kind} markers are damaged`);
    const marker = b[i + 1]!;
    if (marker === 0xff) {
      i++;
      continue;
    }
    if (marker === 0xd9) return;
    if (i + 4 > b.length) fail(`its ${kind} markers are damaged`);
    const length = (b[i + 2]! << 8) | b[i + 3]!;
    const next = i + 2 + length;
    if (length < 2 || next > b.length) fail(`a ${kind} segment runs past the end`);
    i = visit(marker, i + 4, length, next) ?? next;
  }
}
