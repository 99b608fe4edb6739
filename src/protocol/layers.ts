import { parseColor, type Rgba } from './color.ts';
import { numberOf } from './command-table.ts';
import { lastOf, lastWins, withoutEmptyValues } from './command-map.ts';
import { interpretColorOps, interpretCrop, interpretImageRequest, interpretLayer, type RequestDefaults } from './commands.ts';
import { forbidden } from './errors.ts';
import type { BlendMode, EffectRequest, ImageRequest, LayerRequest, LayerSource, MaskUse, PointSpec, Resampling, TextSpec } from './request.ts';
import { splitSegments, type Segments } from './segments.ts';
import { BRACKET_FORM, type Modifier } from './url.ts';
import { oneOf, parseFlag, parts } from './values.ts';
import { parsePathData, type ClipPaths, type ClipSpec } from './path-data.ts';

/**
 * The layers of a layered request, typed: each segment's commands, last one winning, read into a
 * LayerRequest. Pure; where the sources are is decided later (catalog, files).
 */

/** blendMode= names; `multiply` is what unpic's Scene7 provider sends for `mult`. */
const BLEND_MODES: Record<string, BlendMode> = {
  norm: 'normal',
  normal: 'normal',
  dissolve: 'dissolve',
  lighten: 'lighten',
  darken: 'darken',
  mult: 'multiply',
  multiply: 'multiply',
  screen: 'screen',
};

const MASK_USES: Record<string, MaskUse> = { norm: 'normal', invert: 'invert', off: 'off' };

/** Photoshop's drop-shadow colour, for effects without color= (a decision of ours, docs/compatibility.md). */
const EFFECT_COLOR: Rgba = { r: 0, g: 0, b: 0, a: 255 };

export interface LayerDefaults {
  resampling: Resampling;
  resolution: number;
}

/** The commands that make layer 0 more than the path image, so the request is a composite. */
const LAYER_ZERO_CONTENT = ['src', 'mask', 'maskuse', 'color', 'text', 'textps'];
/** The clip commands: a request with them on comp or layer 0 is a composite too, clipped there. */
const CLIPS = ['clippath', 'clippathe', 'clipxpath', 'clipxpathe'];

/**
 * Any image request, typed: a request with no layer beyond layer 0, no effect and no src=, mask= or
 * color= is read exactly as before layers existed; any other is a composite.
 */
export function interpretRequest(given: readonly Modifier[], defaults: RequestDefaults): ImageRequest {
  const modifiers = withoutEmptyValues(given);
  const segments = splitSegments(modifiers);
  if (!layeredOf(segments)) return interpretImageRequest(modifiers, defaults);
  const request = interpretImageRequest(segments.request, defaults);
  const layers = interpretLayers(segments, { resampling: request.resampling, resolution: defaults.resolution });
  const effects = [...segments.compositeEffects.entries()].sort(([a], [b]) => a - b).map(([n, m]) => interpretEffect(n, m));
  const commands = lastWins(segments.request);
  const effectMask = commands.has('effectmask') ? parseFlag(commands.get('effectmask'), 'effectMask') : undefined;
  const clip = clipOf(commands);
  return { ...request, layered: { layers, effects, effectMask, ...(clip ? { clip } : {}) } };
}

/** Whether a request is a composite: the one rule, which the typed request and the server both follow. */
export const isLayered = (modifiers: readonly Modifier[]): boolean => layeredOf(splitSegments(withoutEmptyValues(modifiers)));

const layeredOf = (segments: Segments) =>
  segments.layered || segments.request.some((m) => CLIPS.includes(m.name)) || (segments.layers.get(0)?.modifiers ?? []).some((m) => LAYER_ZERO_CONTENT.includes(m.name) || CLIPS.includes(m.name));

function interpretLayers(segments: Segments, defaults: LayerDefaults): LayerRequest[] {
  if (!segments.layers.has(0)) segments.layers.set(0, { modifiers: [], effects: new Map() });
  return (
    [...segments.layers.entries()]
      .sort(([a], [b]) => a - b)
      .map(([number, segment]) => {
        const layer = interpretOneLayer(number, segment.modifiers, defaults);
        layer.effects = [...segment.effects.entries()].sort(([a], [b]) => a - b).map(([n, m]) => interpretEffect(n, m));
        return layer;
      })
      // A layer with no content (its image came from a macro this catalog lacks) is left out, not
      // refused (docs/compatibility.md).
      .filter((layer) => layer.number === 0 || layer.source.kind !== 'empty' || layer.transform.size !== undefined || layer.relativeSize !== undefined)
  );
}

function interpretOneLayer(number: number, modifiers: readonly Modifier[], defaults: LayerDefaults): LayerRequest {
  const commands = lastWins(modifiers);
  // The last of src=, text=, textPs= decides the layer's type (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-src).
  const kind = lastOf(commands, 'src', 'text', 'textps');
  for (const name of ['perspective', 'textpath', 'textflowpath', 'textflowxpath']) {
    if (commands.has(name)) throw forbidden(`${name} is not supported by this server`);
  }
  const color = commands.has('color') ? parseColor(commands.get('color') ?? '', 'color') : undefined;
  // Layer 0 without src= is the path image (color= then fills under it), or solid when the path
  // names no image; another layer with color= alone is solid.
  const source: LayerSource =
    kind === 'text' || kind === 'textps'
      ? { kind: 'text', text: interpretText(kind, commands) }
      : kind === 'src'
        ? sourceOf(commands.get('src'), 'src')
        : number === 0
          ? { kind: 'path' }
          : color
            ? { kind: 'solid' }
            : { kind: 'empty' };
  const maskUse = commands.has('maskuse') ? oneOf(MASK_USES, commands.get('maskuse'), 'maskUse') : 'normal';
  const mask = commands.has('mask') ? sourceOf(commands.get('mask'), 'mask') : undefined;
  if (mask && mask.kind !== 'object' && mask.kind !== 'nested' && mask.kind !== 'foreign') throw forbidden('mask must name an image or a nested request');
  const transform = interpretLayer(commands, defaults.resampling, defaults.resolution) ?? { resampling: defaults.resampling };
  if (commands.has('sizen') && number === 0) throw forbidden('sizeN is not allowed on layer 0');
  const relative = commands.has('sizen') ? pair(commands, 'sizen') : undefined;
  const layer: LayerRequest = {
    number,
    source,
    mask,
    maskUse,
    crop: interpretCrop(commands),
    transform,
    relativeSize: relative && !commands.has('size') ? { width: relative.x, height: relative.y } : undefined,
    color,
    filters: { color: interpretColorOps(commands), blur: commands.has('op_blur') ? numberOf('op_blur', commands.get('op_blur')) : undefined },
    blend: blendOf(commands),
    hidden: commands.has('hide') ? parseFlag(commands.get('hide'), 'hide') : false,
    position: point(commands, 'pos', 'posn'),
    origin: point(commands, 'origin', 'originn'),
    anchor: point(commands, 'anchor', 'anchorn'),
    effects: [],
  };
  const clip = clipOf(commands);
  if (clip) layer.clip = clip;
  const selfSizing = (source.kind === 'solid' || source.kind === 'text') && !transform.size && !layer.relativeSize && clip?.keep?.explicit !== undefined;
  if (selfSizing) {
    // The path places the layer in layer 0's coordinates: nothing may move or resize it (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-clippath).
    for (const name of ['scale', 'rotate', 'anchor', 'anchorN']) {
      if (commands.has(name.toLowerCase())) throw forbidden(`Layer ${number}: ${name}= is not allowed on a layer sized by its clipPath=`);
    }
  }
  if (source.kind === 'solid' && !transform.size && !layer.relativeSize && !mask && !selfSizing) {
    throw forbidden(`Layer ${number}: a solid colour layer needs size= (both values), a mask or clipPath=`);
  }
  return layer;
}

const ANTIALIAS: Record<string, boolean> = { off: false, norm: true, crisp: true, sharp: true, strong: true, smooth: true };
const RES_MODES: Record<string, TextSpec['resMode']> = { fixedres: 'fixed', autores: 'auto', maxres: 'max' };
const WRAPS: Record<string, TextSpec['wrap']> = { wrap: 'wrap', nowrap: 'nowrap', nbwrap: 'nbwrap' };

/**
 * text=/textPs= and textAttr=res,antiAliasing,resMode,wordWrap (default 72,norm,fixedRes,wrap):
 * crisp, sharp, strong and smooth are textPs's finer anti-aliasing modes, all drawn as norm here;
 * autoRes and maxRes are text='s and noWrap/nbWrap too (textPs wraps always), as https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-textattr says.
 */
function interpretText(form: 'text' | 'textps', commands: Map<string, string | undefined>): TextSpec {
  const attr = commands.has('textattr') ? parts(commands.get('textattr'), 'textAttr', 1, 4).map((p) => p.trim()) : [];
  const resolution = attr[0] ? numberOf('textattr', attr[0]) : 72;
  const antialias = oneOf(ANTIALIAS, attr[1] || 'norm', 'textAttr: anti-aliasing');
  const resMode = oneOf(RES_MODES, attr[2] || 'fixedRes', 'textAttr: the resolution mode');
  const wrap = oneOf(WRAPS, attr[3] || 'wrap', 'textAttr: word wrap');
  return {
    form,
    rtf: commands.get(form) ?? '',
    resolution,
    antialias,
    resMode: form === 'text' ? resMode : 'fixed',
    wrap: form === 'text' ? wrap : 'wrap',
    angle: form === 'textps' && commands.has('textangle') ? numberOf('textangle', commands.get('textangle')) : 0,
  };
}

/** The commands an effect takes (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/syntax-and-features/r-layer-effects); any other is ignored. */
function interpretEffect(number: number, modifiers: readonly Modifier[]): EffectRequest {
  const commands = lastWins(modifiers);
  const opacity = commands.has('opac') ? numberOf('opac', parts(commands.get('opac'), 'opac', 1, 2)[0]) / 100 : 1;
  const offset = point(commands, 'pos', 'pos');
  const maskUse = commands.has('maskuse') ? oneOf(MASK_USES, commands.get('maskuse'), 'maskUse') : 'normal';
  return {
    number,
    color: commands.has('color') ? parseColor(commands.get('color') ?? '', 'color') : EFFECT_COLOR,
    opacity,
    grow: commands.has('op_grow') ? numberOf('op_grow', commands.get('op_grow')) : 0,
    blur: commands.has('op_blur') ? numberOf('op_blur', commands.get('op_blur')) : 0,
    noise: commands.has('op_noise') ? numberOf('op_noise', parts(commands.get('op_noise'), 'op_noise', 1, 3)[0]) : 0,
    offset: offset ? { x: offset.x, y: offset.y } : { x: 0, y: 0 },
    blend: blendOf(commands),
    maskUse,
  };
}

/** No blendMode= is norm; an unknown mode is refused (403), like any bad value of a known command. */
export function blendOf(commands: Map<string, string | undefined>): BlendMode {
  return commands.has('blendmode') ? oneOf(BLEND_MODES, commands.get('blendmode'), 'blendMode') : 'normal';
}

/** src= and mask= values: a nested request, a foreign URL, or an object. */
export function sourceOf(value: string | undefined, what: 'src' | 'mask'): Exclude<LayerSource, { kind: 'path' | 'solid' | 'empty' | 'text' }> {
  const text = (value ?? '').trim();
  if (text === '') throw forbidden(`${what} must name an image`);
  const bracket = BRACKET_FORM.exec(text);
  if (!bracket) {
    if (text.includes(',')) throw forbidden(`${what} may not contain a comma`);
    return { kind: 'object', name: text };
  }
  const open = bracket[0].at(-1)!;
  const close = open === '{' ? '}' : ')';
  if (!text.endsWith(close)) throw forbidden(`${what}: the nested request does not end with ${close}`);
  const inner = text.slice(bracket[0].length, -1);
  // Prefixes are read in any case: the reference's pages disagree on their case sensitivity.
  const prefix = (bracket[1] ?? '').toLowerCase();
  if (prefix === 'is') return { kind: 'nested', target: inner };
  if (prefix === 'ir') throw forbidden(`${what}=ir{…}: Image Rendering requests are not supported by this server`);
  if (prefix === 'fxg') throw forbidden(`${what}=fxg{…}: FXG requests are not supported by this server`);
  if (inner.trim() === '') throw forbidden(`${what}=(): a foreign source needs a URL`);
  return { kind: 'foreign', url: inner.trim() };
}

function pair(commands: Map<string, string | undefined>, name: string): { x: number; y: number } {
  const [x, y] = parts(commands.get(name), name, 2, 2).map((p, i) => numberOf(name, p, i));
  return { x: x!, y: y! };
}

/** Of a pixel form and its N form, the one given last. */
function point(commands: Map<string, string | undefined>, pixels: string, normalized: string): PointSpec | undefined {
  const name = lastOf(commands, pixels, normalized);
  if (!name) return undefined;
  return { ...pair(commands, name), normalized: name !== pixels };
}

/**
 * The clip commands of a layer or of comp. clipPath= and clipPathE= both keep (their paths
 * intersect); clipXPath= and clipXPathE= cut, and only where a clipPath= or clipPathE= is given
 * (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-clipxpath: "Ignored if clipPath= is not specified").
 */
function clipOf(commands: Map<string, string | undefined>): ClipSpec | undefined {
  const keep = clipPaths(commands, 'clipPath');
  if (!keep) return undefined;
  const cut = clipPaths(commands, 'clipXPath');
  return cut ? { keep, cut } : { keep };
}

function clipPaths(commands: Map<string, string | undefined>, name: 'clipPath' | 'clipXPath'): ClipPaths | undefined {
  const key = name.toLowerCase();
  const explicit = commands.has(key) ? parsePathData(commands.get(key) ?? '', name) : undefined;
  const names = commands.has(`${key}e`) ? (commands.get(`${key}e`) ?? '').split(',').map((n) => n.trim()).filter((n) => n !== '') : undefined;
  if (names?.some((n) => !/^[\x20-\x7e]+$/.test(n))) throw forbidden(`${name}E: path names are ASCII only`);
  if (!explicit && !names) return undefined;
  return { ...(explicit ? { explicit } : {}), ...(names ? { names } : {}) };
}
