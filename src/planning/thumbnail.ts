import type { ThumbnailAttributes } from '../catalog/catalog.ts';
import type { ViewSpec } from '../protocol/request.ts';

/**
 * req=tmb as a view (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/notes-on-server-behavior/r-view-transform-for-thumbnails): the rectangle is wid x hei, else DefaultThumbPix; ThumbType 1
 * fills it (crop), 2 fits inside it, 3 places the image unscaled (texture); ThumbHorizAlign and
 * ThumbVertAlign position it unless align= does; the padding is bgc, else ThumbBkgColor.
 */
export function thumbnailView(view: ViewSpec, thumbnail: ThumbnailAttributes, alignGiven: boolean): ViewSpec {
  const width = view.width ?? (thumbnail.defaultSize.width || undefined);
  const height = view.height ?? (thumbnail.defaultSize.height || undefined);
  const base: ViewSpec = {
    ...view,
    width,
    height,
    align: alignGiven ? view.align : thumbnail.align,
    background: view.background ?? thumbnail.background,
  };
  if (thumbnail.type === 'texture') return { ...base, inverseScale: 1 };
  if (width === undefined || height === undefined) return base;
  return { ...base, fit: { mode: thumbnail.type, upscale: true } };
}
