import type { Rgba } from '../../protocol/color.ts';

/**
 * op_colorize (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-op-colorize):
 * the tint of each luma, as a table of 256 RGB triples built from the image's luma histogram.
 *
 * - `norm` (the default) first moves the median to 50% by a gamma curve, which keeps black and
 *   white where they are; `contrast` (0..100, `norm` only) then stretches the tones about 50% so that
 *   the wider of the two sides of the 0.5-99.5 percentile range reaches `contrast`% of the way to
 *   black or white (0 keeps the input's range, 100 fills it).
 * - The tint keeps shadows and highlights: black stays black, white stays white and 50% becomes
 *   the colour itself, linearly in between, so a normalised swatch's median shows the colour asked.
 */
export function colorizeTable(histogram: Uint32Array, color: Rgba, normalize: boolean, contrast: number): Uint8Array {
  const total = histogram.reduce((sum, n) => sum + n, 0);
  let tone = (l: number) => l / 255;
  if (normalize && total > 0) {
    const median = Math.min(254, Math.max(1, percentile(histogram, total, 0.5)));
    const gamma = Math.log(0.5) / Math.log(median / 255);
    const curve = (l: number) => (l / 255) ** gamma;
    tone = curve;
    if (contrast > 0) {
      const low = curve(percentile(histogram, total, 0.005));
      const high = curve(percentile(histogram, total, 0.995));
      const reach = Math.max(0.5 - low, high - 0.5);
      if (reach > 0) {
        const gain = (reach + (0.5 - reach) * (contrast / 100)) / reach;
        tone = (l: number) => Math.min(1, Math.max(0, 0.5 + (curve(l) - 0.5) * gain));
      }
    }
  }
  const table = new Uint8Array(256 * 3);
  const rgb = [color.r, color.g, color.b];
  for (let l = 0; l < 256; l++) {
    const t = tone(l);
    for (let c = 0; c < 3; c++) {
      const v = t <= 0.5 ? rgb[c]! * (t / 0.5) : rgb[c]! + (255 - rgb[c]!) * ((t - 0.5) / 0.5);
      table[l * 3 + c] = Math.round(v);
    }
  }
  return table;
}

/** The luma below which `share` of the counted pixels lie. */
function percentile(histogram: Uint32Array, total: number, share: number): number {
  const target = total * share;
  let seen = 0;
  for (let l = 0; l < 256; l++) {
    seen += histogram[l]!;
    if (seen >= target) return l;
  }
  return 255;
}
