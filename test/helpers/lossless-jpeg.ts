/**
 * A lossless JPEG writer (SOF3, ITU T.81 annex H), for tests: Debian's cjpeg (libjpeg-turbo 2.1)
 * has no -lossless, so the files with a point transform, a predictor, a precision and restart
 * intervals of our choosing are written here, straight from the standard.
 */
export interface LosslessOptions {
  /** Samples per component, row by row, each below 2^precision. */
  planes: Uint16Array[];
  width: number;
  height: number;
  precision: number;
  /** Predictor selection value 1..7 (T.81 table H.1). */
  predictor: number;
  /** Pt: the low bits dropped before coding. */
  pointTransform: number;
  /** Component ids: 'R','G','B' (82, 71, 66) say RGB to libjpeg; 1, 2, 3 YCbCr. */
  ids: number[];
  /** Restart every this many rows (0: none). */
  restartRows?: number;
}

// Code lengths of the 17 difference categories: 0 in 2 bits, 1..5 in 3, then one more bit each.
const COUNTS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0];
const VALUES = Array.from({ length: 17 }, (_, i) => i);

function codes(): { code: number; length: number }[] {
  const out: { code: number; length: number }[] = [];
  let code = 0;
  let k = 0;
  for (let l = 1; l <= 16; l++) {
    for (let n = 0; n < COUNTS[l - 1]!; n++) out[VALUES[k++]!] = { code: code++, length: l };
    code <<= 1;
  }
  return out;
}

class BitWriter {
  bytes: number[] = [];
  private acc = 0;
  private count = 0;
  put(value: number, length: number) {
    for (let i = length - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | ((value >> i) & 1);
      if (++this.count === 8) this.flushByte();
    }
  }
  private flushByte() {
    this.bytes.push(this.acc);
    if (this.acc === 0xff) this.bytes.push(0);
    this.acc = 0;
    this.count = 0;
  }
  /** Pads with one bits to a byte boundary. */
  align() {
    while (this.count !== 0) this.put(1, 1);
  }
}

const segment = (marker: number, body: number[]) => [0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 255, ...body];

export function writeLosslessJpeg(o: LosslessOptions): Uint8Array {
  const { width: w, height: h, precision: p, pointTransform: pt, predictor, planes } = o;
  const table = codes();
  const restartRows = o.restartRows ?? 0;
  const bits = new BitWriter();
  const reduced = planes.map((plane) => plane.map((v) => v >> pt));
  for (let y = 0; y < h; y++) {
    const intervalStart = y === 0 || (restartRows > 0 && y % restartRows === 0);
    if (intervalStart && y > 0) {
      bits.align();
      bits.bytes.push(0xff, 0xd0 + ((y / restartRows - 1) & 7));
    }
    for (let x = 0; x < w; x++) {
      for (const s of reduced) {
        const at = y * w + x;
        const ra = s[at - 1]!;
        const rb = s[at - w]!;
        const rc = s[at - w - 1]!;
        let pred: number;
        if (intervalStart) pred = x === 0 ? 1 << (p - pt - 1) : ra;
        else if (x === 0) pred = rb;
        else pred = [0, ra, rb, rc, ra + rb - rc, ra + ((rb - rc) >> 1), rb + ((ra - rc) >> 1), (ra + rb) >> 1][predictor]!;
        let diff = (s[at]! - pred) & 0xffff;
        if (diff >= 0x8000) diff -= 0x10000;
        const size = diff === -0x8000 ? 16 : diff === 0 ? 0 : 32 - Math.clz32(Math.abs(diff));
        bits.put(table[size]!.code, table[size]!.length);
        if (size > 0 && size < 16) bits.put(diff < 0 ? diff + (1 << size) - 1 : diff, size);
      }
    }
  }
  bits.align();
  const n = planes.length;
  return new Uint8Array([
    0xff, 0xd8,
    ...segment(0xc4, [0x00, ...COUNTS, ...VALUES]),
    ...segment(0xc3, [p, h >> 8, h & 255, w >> 8, w & 255, n, ...o.ids.flatMap((id) => [id, 0x11, 0])]),
    ...(restartRows > 0 ? segment(0xdd, [(restartRows * w) >> 8, (restartRows * w) & 255]) : []),
    ...segment(0xda, [n, ...o.ids.flatMap((id) => [id, 0x00]), predictor, 0, pt]),
    ...bits.bytes,
    0xff, 0xd9,
  ]);
}
