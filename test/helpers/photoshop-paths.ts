import { photoshopResource } from './tools.ts';

/**
 * Photoshop paths written at test time (Adobe's Photoshop File Formats Specification, "Path
 * resource format"), and the three containers besides PSD that carry them: JPEG's APP13, TIFF's
 * tag 34377 (in a small uncompressed RGB TIFF written here) and EPS (test/helpers/eps.ts).
 */

/** A polygon's corners as fractions of the image's width and height. */
export type Polygon = [number, number][];

/** A path resource's data: a fill-rule record, then one closed subpath of corner knots per polygon. */
export function pathData(polygons: Polygon[]): Buffer {
  const record = (selector: number, fill: (b: Buffer) => void = () => {}) => {
    const b = Buffer.alloc(26);
    b.writeUInt16BE(selector);
    fill(b);
    return b;
  };
  const fixed = (b: Buffer, at: number, x: number, y: number) => {
    b.writeInt32BE(Math.round(y * 2 ** 24), at);
    b.writeInt32BE(Math.round(x * 2 ** 24), at + 4);
  };
  return Buffer.concat([
    record(6),
    ...polygons.flatMap((corners) => [
      record(0, (b) => b.writeUInt16BE(corners.length, 2)),
      // Unlinked knots (record 2) as corners: their control points on their anchors.
      ...corners.map(([x, y]) => record(2, (b) => [2, 10, 18].forEach((at) => fixed(b, at, x, y)))),
    ]),
  ]);
}

/** Image resources holding these named paths (ids from 2000). */
export const pathResources = (paths: Record<string, Polygon[]>): Buffer =>
  Buffer.concat(Object.entries(paths).map(([name, polygons], i) => photoshopResource(2000 + i, name, pathData(polygons))));

/** A JPEG with the resources in an APP13 "Photoshop 3.0" segment right after its SOI. */
export function withApp13(jpeg: Uint8Array, resources: Buffer): Buffer {
  const payload = Buffer.concat([Buffer.from('Photoshop 3.0\0', 'latin1'), resources]);
  const head = Buffer.from([0xff, 0xed, 0, 0]);
  head.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([Buffer.from(jpeg.subarray(0, 2)), head, payload, Buffer.from(jpeg.subarray(2))]);
}

/** An uncompressed 8-bit RGB TIFF (little-endian, one strip) whose tag 34377 holds the resources. */
export function tiffWithResources(width: number, height: number, pixel: (x: number, y: number) => [number, number, number], resources: Buffer): Buffer {
  const samples = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) samples.set(pixel(x, y), (y * width + x) * 3);
  const entries: [number, number, number, number][] = []; // tag, type, count, value or offset
  const count = 10;
  const ifd = 8;
  const after = ifd + 2 + count * 12 + 4;
  const bits = after;
  const data = bits + 6;
  const extra = data + samples.length;
  entries.push([256, 4, 1, width], [257, 4, 1, height], [258, 3, 3, bits], [259, 3, 1, 1], [262, 3, 1, 2]);
  entries.push([273, 4, 1, data], [277, 3, 1, 3], [278, 4, 1, height], [279, 4, 1, samples.length], [34377, 7, resources.length, extra]);
  const head = Buffer.alloc(after);
  head.write('II', 0, 'latin1');
  head.writeUInt16LE(42, 2);
  head.writeUInt32LE(ifd, 4);
  head.writeUInt16LE(count, ifd);
  entries.forEach(([tag, type, n, value], i) => {
    const at = ifd + 2 + i * 12;
    head.writeUInt16LE(tag, at);
    head.writeUInt16LE(type, at + 2);
    head.writeUInt32LE(n, at + 4);
    if (type === 3 && n === 1) head.writeUInt16LE(value, at + 8);
    else head.writeUInt32LE(value, at + 8);
  });
  const bitsPerSample = Buffer.alloc(6);
  [0, 2, 4].forEach((at) => bitsPerSample.writeUInt16LE(8, at));
  return Buffer.concat([head, bitsPerSample, samples, resources]);
}
