import type { ImageRequest, LayerRequest, OutputSpec } from '../protocol/request.ts';
import type { WatermarkPlacement } from '../protocol/watermark.ts';
import type { ResolvedComposite, ResolvedInput, ViewAttributes } from './composite.ts';

/**
 * Watermarks (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/syntax-and-features/r-watermarks)
 * through the layer machinery: the target image (the request without its view) and the watermark
 * (its record as a nested request) are the two layers of a composite, which then takes the
 * request's view, filters and output. So the watermark is sized and aligned on the target, never
 * reaches the view's padding, and shares the plan, the render cache's key and the request's account.
 */
export interface ResolvedWatermark {
  input: ResolvedInput;
  placement: WatermarkPlacement;
}

/** The request as its target image: its layers or its source with their transforms, at full size, transparent where they leave it so. */
export function targetRequest(given: ImageRequest, pngAlpha: OutputSpec): ImageRequest {
  return { ...given, kind: 'img', view: { align: { x: 0, y: 0 } }, filters: { color: [], sharpen: false }, output: pngAlpha };
}

/** The composite of the target and the watermark, aligned by the same point of each (align=), with the request's view and output. */
export function watermarked(given: ImageRequest, target: ResolvedInput, mark: ResolvedWatermark, attributes: ViewAttributes, alignGiven: boolean): ResolvedComposite {
  const { placement } = mark;
  const origin = { x: placement.align.x / 2, y: placement.align.y / 2, normalized: true };
  const layer = (number: number): LayerRequest => ({
    number,
    source: { kind: 'path' },
    maskUse: 'normal',
    transform: { resampling: given.resampling },
    filters: { color: [] },
    blend: 'normal',
    hidden: false,
    origin,
    effects: [],
  });
  const mark1: LayerRequest = { ...layer(1), transform: { resampling: given.resampling, opacity: placement.opacity }, relativeSize: placement.relativeSize, blend: placement.blend };
  const request: ImageRequest = { ...given, crop: undefined, layer: undefined, layered: { layers: [layer(0), mark1], effects: [] } };
  return {
    request,
    layers: [
      { request: layer(0), input: target },
      { request: mark1, input: mark.input },
    ],
    effects: [],
    attributes,
    nested: false,
    effectMask: true,
    alignGiven,
  };
}
