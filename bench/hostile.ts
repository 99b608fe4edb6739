import { crc32, deflateSync } from 'node:zlib';

/**
 * The hostile files of the hardening issue, made small enough to write in a moment but shaped like
 * the attacks: a PNG whose embedded profile inflates to a gigabyte, and one made of millions of
 * empty chunks before its image.
 */
function chunk(type: string, data: Uint8Array = new Uint8Array(0)): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0);
  return Buffer.concat([head, data, crc]);
}

const SIGNATURE = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);

/** A small grey PNG, with `before` between its header and its image data. */
function png(width: number, height: number, before: Buffer[]): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // grey
  const rows = Buffer.alloc((width + 1) * height, 128);
  for (let y = 0; y < height; y++) rows[y * (width + 1)] = 0;
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), ...before, chunk('IDAT', deflateSync(rows)), chunk('IEND')]);
}

/** A PNG whose `iCCP` profile inflates to `inflated` bytes of zeros (64 MiB deflate to about 64 KB). */
export function iccpBomb(inflated: number): Buffer {
  const data = Buffer.concat([Buffer.from('bomb\0\0', 'latin1'), deflateSync(Buffer.alloc(inflated), { level: 9 })]);
  return png(64, 64, [chunk('iCCP', data)]);
}

/** A PNG with `count` empty ancillary chunks before its image data. */
export function emptyChunks(count: number): Buffer {
  const empty = chunk('prVt');
  return png(64, 64, [Buffer.concat(Array.from({ length: count }, () => empty))]);
}

/** A JPEG with `bytes` of APP15 segments after its SOI: a file far larger than its pixels (the delivery API's original). */
export function paddedJpeg(jpeg: Uint8Array, bytes: number): Buffer {
  const segment = Buffer.alloc(65537);
  segment.set([0xff, 0xef, 0xff, 0xff]);
  const count = Math.ceil(bytes / segment.length);
  return Buffer.concat([jpeg.subarray(0, 2), ...Array.from({ length: count }, () => segment), jpeg.subarray(2)]);
}

