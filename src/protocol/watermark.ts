import { numberOf } from './command-table.ts';
import { lastWins } from './command-map.ts';
import { blendOf } from './layers.ts';
import type { BlendMode, Size } from './request.ts';
import type { Modifier } from './url.ts';
import { parts } from './values.ts';

/**
 * A watermark record's commands, read as https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/syntax-and-features/r-watermarks
 * says: sizeN=, opac= and blendMode= of its layer 0 or comp, and align=, place it on the target
 * image; its other request and view commands are ignored; the rest makes the watermark image.
 */
export interface WatermarkPlacement {
  /** sizeN=: the largest size within these fractions of the target's; none keeps the watermark's pixel size. */
  relativeSize?: Size;
  opacity: number;
  blend: BlendMode;
  /** align=: -1 puts the watermark at the target's left (top) edge, 1 at its right (bottom), 0 centred. */
  align: { x: number; y: number };
}

/** Request and view commands a watermark record may carry and that do nothing there (align= aside). */
const IGNORED = new Set(['wid', 'hei', 'scl', 'fit', 'bgc', 'rgn', 'rect', 'dpr', 'fmt', 'qlt', 'quantize', 'jpegsize', 'printres', 'iccembed', 'icc', 'pscan', 'req', 'name', 'timeout', 'cache', 'bfc', 'defaultimage']);
/** The commands of layer 0 or comp that place the watermark instead of making it. */
const PLACING = new Set(['sizen', 'opac', 'blendmode']);

export function splitWatermark(modifiers: readonly Modifier[]): { placement: WatermarkPlacement; modifiers: Modifier[] } {
  const kept: Modifier[] = [];
  const placing: Modifier[] = [];
  let top = true;
  for (const m of modifiers) {
    if (m.name === 'layer') top = ['0', 'comp'].includes((m.value ?? '').split(',')[0]!.trim().toLowerCase());
    if (m.name === 'effect') top = false;
    if (m.name === 'align' || (top && PLACING.has(m.name))) placing.push(m);
    else if (!IGNORED.has(m.name)) kept.push(m);
  }
  const commands = lastWins(placing);
  const pair = (name: string) => parts(commands.get(name), name, 2, 2).map((p, i) => numberOf(name, p, i));
  const [o = 100, fill = 100] = commands.has('opac') ? parts(commands.get('opac'), 'opac', 1, 2).map((p, i) => numberOf('opac', p, i)) : [];
  const [w, h] = commands.has('sizen') ? pair('sizen') : [];
  const [x = 0, y = 0] = commands.has('align') ? pair('align') : [];
  return {
    placement: { ...(w !== undefined ? { relativeSize: { width: w, height: h! } } : {}), opacity: (o / 100) * (fill / 100), blend: blendOf(commands), align: { x, y } },
    modifiers: kept,
  };
}
