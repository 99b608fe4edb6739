/**
 * Palettes for png8 and gif (quantize=): median cut over a 5-bit-per-channel histogram, the web
 * palette, and the nearest-entry table the mapping kernel uses. Pure: numbers in, numbers out.
 */
export type Rgb = [number, number, number];

const key = (r: number, g: number, b: number) => (r << 10) | (g << 5) | b;

interface Box {
  lo: Rgb;
  hi: Rgb;
  count: number;
}

function measure(hist: Uint32Array, lo: Rgb, hi: Rgb): number {
  let count = 0;
  for (let r = lo[0]; r <= hi[0]; r++) for (let g = lo[1]; g <= hi[1]; g++) for (let b = lo[2]; b <= hi[2]; b++) count += hist[key(r, g, b)]!;
  return count;
}

/** Counts along one axis of a box, for finding its median. */
function axisCounts(hist: Uint32Array, box: Box, axis: number): number[] {
  const counts = new Array<number>(box.hi[axis]! - box.lo[axis]! + 1).fill(0);
  for (let r = box.lo[0]; r <= box.hi[0]; r++) {
    for (let g = box.lo[1]; g <= box.hi[1]; g++) {
      for (let b = box.lo[2]; b <= box.hi[2]; b++) counts[[r, g, b][axis]! - box.lo[axis]!]! += hist[key(r, g, b)]!;
    }
  }
  return counts;
}

export function medianCut(hist: Uint32Array, colors: number): Rgb[] {
  const boxes: Box[] = [{ lo: [0, 0, 0], hi: [31, 31, 31], count: measure(hist, [0, 0, 0], [31, 31, 31]) }];
  if (boxes[0]!.count === 0) return [[0, 0, 0]];
  while (boxes.length < colors) {
    // The most populated box that can still be split.
    let best = -1;
    for (let i = 0; i < boxes.length; i++) {
      const b = boxes[i]!;
      const splittable = b.hi.some((h, a) => h > b.lo[a]!);
      if (splittable && b.count > 0 && (best < 0 || b.count > boxes[best]!.count)) best = i;
    }
    if (best < 0) break;
    const box = boxes[best]!;
    const axis = [0, 1, 2].reduce((a, c) => (box.hi[c]! - box.lo[c]! > box.hi[a]! - box.lo[a]! ? c : a), 0);
    const counts = axisCounts(hist, box, axis);
    let seen = 0;
    let cut = 0;
    while (cut < counts.length - 2 && seen + counts[cut]! < box.count / 2) seen += counts[cut++]!;
    const split = box.lo[axis]! + cut;
    const hiA: Rgb = [...box.hi];
    hiA[axis] = split;
    const loB: Rgb = [...box.lo];
    loB[axis] = split + 1;
    const a: Box = { lo: box.lo, hi: hiA, count: measure(hist, box.lo, hiA) };
    const b: Box = { lo: loB, hi: box.hi, count: box.count - a.count };
    boxes.splice(best, 1, a, b);
  }
  return boxes.filter((b) => b.count > 0).map((box) => {
    const sum = [0, 0, 0];
    for (let r = box.lo[0]; r <= box.hi[0]; r++) {
      for (let g = box.lo[1]; g <= box.hi[1]; g++) {
        for (let b = box.lo[2]; b <= box.hi[2]; b++) {
          const n = hist[key(r, g, b)]!;
          sum[0]! += n * ((r << 3) + 4);
          sum[1]! += n * ((g << 3) + 4);
          sum[2]! += n * ((b << 3) + 4);
        }
      }
    }
    return sum.map((s) => Math.min(255, Math.round(s / box.count))) as Rgb;
  });
}

/** The 216 web-safe colours. */
export function webPalette(): Rgb[] {
  const steps = [0, 51, 102, 153, 204, 255];
  return steps.flatMap((r) => steps.flatMap((g) => steps.map((b) => [r, g, b] as Rgb)));
}

/** For every 5-bit colour, the index of the nearest palette entry (offset by `first`). */
export function nearestTable(palette: readonly Rgb[], first: number): Uint8Array {
  const table = new Uint8Array(32768);
  for (let r = 0; r < 32; r++) {
    for (let g = 0; g < 32; g++) {
      for (let b = 0; b < 32; b++) {
        const cr = (r << 3) + 4;
        const cg = (g << 3) + 4;
        const cb = (b << 3) + 4;
        let best = 0;
        let bestDistance = Infinity;
        for (let i = 0; i < palette.length; i++) {
          const [pr, pg, pb] = palette[i]!;
          const d = (pr - cr) ** 2 * 3 + (pg - cg) ** 2 * 4 + (pb - cb) ** 2 * 2;
          if (d < bestDistance) {
            bestDistance = d;
            best = i;
          }
        }
        table[key(r, g, b)] = best + first;
      }
    }
  }
  return table;
}
