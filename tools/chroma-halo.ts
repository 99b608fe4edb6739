import type { Pixels } from '../src/image/pixels.ts';

/**
 * The chroma halo of a lossy encoder beside saturated edges (4:2:0 subsampling smears a saturated
 * colour's chroma into the neutral pixels next to it): a grey scene with saturated squares at odd
 * offsets (so chroma blocks straddle their edges), and the CIELAB chroma of the neutral pixels 2 to
 * 6 pixels from a square after the round trip. The test of the AVIF settings and the bench's AVIF
 * table both measure it.
 */

const SQUARES: { x: number; y: number; size: number; rgb: [number, number, number] }[] = [
  { x: 21, y: 19, size: 61, rgb: [255, 221, 0] },
  { x: 131, y: 23, size: 59, rgb: [225, 0, 10] },
  { x: 27, y: 129, size: 57, rgb: [0, 45, 225] },
  { x: 135, y: 133, size: 63, rgb: [20, 200, 40] },
];
const GREY = 150;
export const HALO_SIZE = 224;

/** The scene: grey with four saturated squares. */
export function haloScene(): Pixels {
  const data = new Uint8ClampedArray(HALO_SIZE * HALO_SIZE * 4).fill(GREY);
  for (const { x, y, size, rgb } of SQUARES) {
    for (let j = y; j < y + size; j++) {
      for (let i = x; i < x + size; i++) data.set([...rgb, 255], (j * HALO_SIZE + i) * 4);
    }
  }
  for (let i = 3; i < data.length; i += 4) data[i] = 255;
  return { data, width: HALO_SIZE, height: HALO_SIZE };
}

/** Pixels 2..6 pixels (Chebyshev) outside a square: neutral in the scene. */
function ring(): number[] {
  const at: number[] = [];
  for (let y = 0; y < HALO_SIZE; y++) {
    for (let x = 0; x < HALO_SIZE; x++) {
      const distances = SQUARES.map((s) => Math.max(s.x - x, x - (s.x + s.size - 1), s.y - y, y - (s.y + s.size - 1)));
      const d = Math.min(...distances);
      if (d >= 2 && d <= 6) at.push(y * HALO_SIZE + x);
    }
  }
  return at;
}

/** CIELAB chroma (D65) of an sRGB colour. */
export function chroma(r: number, g: number, b: number): number {
  const lin = [r, g, b].map((v) => {
    const c = v / 255;
    return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
  }) as [number, number, number];
  const x = (0.4124564 * lin[0] + 0.3575761 * lin[1] + 0.1804375 * lin[2]) / 0.95047;
  const y = 0.2126729 * lin[0] + 0.7151522 * lin[1] + 0.072175 * lin[2];
  const z = (0.0193339 * lin[0] + 0.119192 * lin[1] + 0.9503041 * lin[2]) / 1.08883;
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : ((24389 / 27) * t + 16) / 116);
  return Math.hypot(500 * (f(x) - f(y)), 200 * (f(y) - f(z)));
}

/** The chroma of the ring's pixels in a decoded round trip of haloScene(): its mean and 99th percentile. */
export function haloChroma(decoded: Pixels): { mean: number; p99: number } {
  if (decoded.width !== HALO_SIZE || decoded.height !== HALO_SIZE) throw new Error(`the halo scene is ${HALO_SIZE}x${HALO_SIZE}, not ${decoded.width}x${decoded.height}`);
  const values = ring()
    .map((i) => chroma(decoded.data[i * 4]!, decoded.data[i * 4 + 1]!, decoded.data[i * 4 + 2]!))
    .sort((a, b) => a - b);
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return { mean, p99: values[Math.floor(values.length * 0.99)]! };
}
