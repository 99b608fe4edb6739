import { placedLayers, type Composite, type LayerInput } from './composite-plan.ts';
import type { RegionRead } from './plan.ts';
import type { SourceInfo } from './sniff.ts';
import { tiffRead } from './tiff-region.ts';
import { jpegRead } from './jpeg-region.ts';

/**
 * A composite's layers that read their source by region, as a single image does: a TIFF layer whose
 * steps start with a crop or a resize decodes only that rect of the smallest level that serves it
 * (tiff-region.ts), so a pyramid of a gigapixel can be a layer; a JPEG layer whose steps start with
 * a crop (a banner's rows) stops decoding after its last row (jpeg-region.ts). Only a file that one
 * layer alone uses (no other layer, mask or nested request decodes it: one decode serves them all, whole).
 */
export function readLayerRegions(composite: Composite, headers: ReadonlyMap<number, Pick<SourceInfo, 'format' | 'tiff'>>): void {
  const layers = placedLayers(composite);
  const uses = new Map<number, number>();
  const count = (input: LayerInput | undefined) => {
    const file = input?.kind === 'file' ? input.file : input?.kind === 'single' ? (input.plan.file ?? 0) : undefined;
    if (file !== undefined) uses.set(file, (uses.get(file) ?? 0) + 1);
  };
  for (const layer of layers) [layer.input, layer.mask?.input].forEach(count);
  for (const layer of layers) {
    const { input } = layer;
    if (input.kind !== 'file' || layer.mask || layer.maskUse !== 'normal' || uses.get(input.file) !== 1) continue;
    const header = headers.get(input.file);
    const planned = (header && tiffRead(input, layer.steps, header)) ?? jpegRead(input, layer.steps);
    if (!planned) continue;
    layer.input = { ...input, read: planned.read };
    layer.steps = planned.steps;
  }
}

/** The regions a composite's decodes read, by file: its layers' and its nested single requests'. */
export function layerReads(composite: Composite): [number, RegionRead][] {
  const reads: [number, RegionRead][] = [];
  for (const layer of placedLayers(composite)) {
    const { input } = layer;
    if (input.kind === 'file' && input.read) reads.push([input.file, input.read]);
    const nested = input.kind === 'single' ? input.plan.layers[0].source.read : undefined;
    if (input.kind === 'single' && nested) reads.push([input.plan.file ?? 0, nested]);
  }
  return reads;
}
