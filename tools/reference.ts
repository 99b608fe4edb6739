import type { Pixels } from '../src/image/pixels.ts';

/**
 * A float64 Lanczos3 resampler written for clarity, the reference the fixed-point SIMD kernel is
 * measured against: the same clipped, renormalised windows, alpha premultiplied in float, no box
 * pre-shrink. Like the kernel (and libvips on 8-bit images) it keeps the intermediate image, after
 * the vertical pass, in 8 bits: rounded and clamped, so Lanczos3's overshoot is cut there too.
 */
const lanczos3 = (x: number) => {
  if (x === 0) return 1;
  if (Math.abs(x) >= 3) return 0;
  const px = Math.PI * x;
  return (3 * Math.sin(px) * Math.sin(px / 3)) / (px * px);
};

function weights(srcLen: number, dstLen: number) {
  const scale = dstLen / srcLen;
  const filterScale = Math.min(scale, 1);
  const support = 3 / filterScale;
  return Array.from({ length: dstLen }, (_, i) => {
    const center = (i + 0.5) / scale;
    const left = Math.max(0, Math.floor(center - support + 0.5));
    const right = Math.min(srcLen, Math.floor(center + support + 0.5));
    const w = Array.from({ length: right - left }, (_, k) => lanczos3((left + k + 0.5 - center) * filterScale));
    const total = w.reduce((a, b) => a + b, 0);
    return { left, w: w.map((v) => v / total) };
  });
}

export function referenceResize(image: Pixels, width: number, height: number): Pixels {
  const { width: sw, height: sh, data } = image;
  const src = new Float64Array(sw * sh * 4);
  for (let i = 0; i < sw * sh; i++) {
    const a = data[i * 4 + 3]! / 255;
    for (let c = 0; c < 3; c++) src[i * 4 + c] = Math.round(data[i * 4 + c]! * a);
    src[i * 4 + 3] = data[i * 4 + 3]!;
  }
  const wy = weights(sh, height);
  const rows = new Float64Array(sw * height * 4);
  for (let y = 0; y < height; y++) {
    const { left, w } = wy[y]!;
    for (let k = 0; k < w.length; k++) {
      const from = (left + k) * sw * 4;
      for (let x = 0; x < sw * 4; x++) rows[y * sw * 4 + x]! += w[k]! * src[from + x]!;
    }
  }
  for (let i = 0; i < rows.length; i++) rows[i] = Math.min(255, Math.max(0, Math.round(rows[i]!)));
  const wx = weights(sw, width);
  const out = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const { left, w } = wx[x]!;
      const acc = [0, 0, 0, 0];
      for (let k = 0; k < w.length; k++) for (let c = 0; c < 4; c++) acc[c]! += w[k]! * rows[(y * sw + left + k) * 4 + c]!;
      const a = Math.min(255, Math.max(0, acc[3]!));
      for (let c = 0; c < 3; c++) out[(y * width + x) * 4 + c] = a > 0 ? (acc[c]! * 255) / a : 0;
      out[(y * width + x) * 4 + 3] = a;
    }
  }
  return { data: out, width, height };
}

/** Max absolute channel difference and PSNR (dB) over RGBA. */
export function compare(a: Pixels, b: Pixels): { maxDiff: number; psnr: number } {
  let maxDiff = 0;
  let squared = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = a.data[i]! - b.data[i]!;
    maxDiff = Math.max(maxDiff, Math.abs(d));
    squared += d * d;
  }
  const mse = squared / a.data.length;
  return { maxDiff, psnr: mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse) };
}

/** The image averaged over factor x factor cells (partial cells at the edges), the size rounded up as libjpeg does: what a reduced-size IDCT should give. */
export function boxAverage(image: Pixels, factor: number): Pixels {
  const width = Math.ceil(image.width / factor);
  const height = Math.ceil(image.height / factor);
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const sum = [0, 0, 0];
      let n = 0;
      for (let dy = 0; dy < factor && y * factor + dy < image.height; dy++) {
        for (let dx = 0; dx < factor && x * factor + dx < image.width; dx++) {
          const i = ((y * factor + dy) * image.width + x * factor + dx) * 4;
          for (let c = 0; c < 3; c++) sum[c]! += image.data[i + c]!;
          n++;
        }
      }
      data.set([Math.round(sum[0]! / n), Math.round(sum[1]! / n), Math.round(sum[2]! / n), 255], (y * width + x) * 4);
    }
  }
  return { data, width, height };
}
