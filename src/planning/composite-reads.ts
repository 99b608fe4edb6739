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
 * layer alone uses (no other layer, mask or nested request decodes it: one whole decode serves them all).
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

/**
 * The regions a composite's files may be read by (a TIFF's strips or tiles alone, by range): those of
 * files that one decode alone uses. A nested request plans its own region whatever else uses its
 * file (each region is a decode of its own, decodeKey), so a file it shares is read whole.
 */
export function layerReads(composite: Composite): [number, RegionRead][] {
  const decodes = new Map<number, (RegionRead | undefined)[]>();
  const add = (file: number, read: RegionRead | undefined) => decodes.set(file, [...(decodes.get(file) ?? []), read]);
  for (const layer of placedLayers(composite)) {
    for (const input of [layer.input, layer.mask?.input]) {
      if (input?.kind === 'file') add(input.file, input.read);
      else if (input?.kind === 'single') add(input.plan.file ?? 0, input.plan.layers[0].source.read);
    }
  }
  return [...decodes].flatMap(([file, reads]) => (reads.length === 1 && reads[0] ? [[file, reads[0]] as [number, RegionRead]] : []));
}
