import type { RegionRead, SourcePlan } from './plan.ts';
import type { Step } from './steps.ts';

/**
 * What a decode of a JPEG followed by `steps` reads when they start with a crop (a banner's rows, a
 * `rgn=`, a layer's visible part): that rect of the frame at full size, which its decoder makes band
 * by band and stops after the rect's last row (image/jpeg.ts, decodeJpegRect), so the rows below it
 * are never decoded and the frame is never whole in memory; the crop is the read. Undefined when the
 * decode stays whole: not a JPEG, shrunk on load (the DCT scaling decodes every row anyway), turned
 * by its orientation (the crop is of the upright image), or a crop that reaches the last row.
 */
export function jpegRead(source: SourcePlan, steps: Step[]): { read: RegionRead; steps: Step[] } | undefined {
  const [first, ...rest] = steps;
  if (source.format !== 'jpeg' || source.shrink !== 1 || source.orientation !== 1 || first?.op !== 'crop') return undefined;
  const { rect } = first;
  if (rect.y + rect.height >= source.size.height) return undefined;
  return { read: { directory: 0, size: source.size, rect }, steps: rest };
}
