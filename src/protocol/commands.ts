import { parseColor } from './color.ts';
import { clientCacheAllowed, lastOf, lastWins, requestType, withoutEmptyValues } from './command-map.ts';
import { numberOf } from './command-table.ts';
import { FORMATS, formatNamed, UNSUPPORTED_FORMATS, type OutputFormat } from './formats.ts';
import { forbidden } from './errors.ts';
import type { ColorOp, CropSpec, FilterSpec, FitMode, ImageRequest, Intent, LayerSpec, OutputSpec, Rect, Resampling, ViewSpec } from './request.ts';
import { rgbSpaceNamed, type RgbSpaceName } from './icc-names.ts';
import type { Modifier } from './url.ts';
import { oneOf, parseFlag, parts } from './values.ts';

const FIT_MODES: readonly FitMode[] = ['fit', 'constrain', 'crop', 'wrap', 'stretch', 'hfit', 'vfit'];

export interface RequestDefaults {
  jpegQuality: { quality: number; fullChroma: boolean };
  resampling: Resampling;
  /** catalog::Resolution, the basis of res= (scale = res / Resolution). */
  resolution: number;
  /** fmt=auto is allowed (--fmt-auto, attribute::FormatAuto). */
  formatAuto: boolean;
  /** bfc= when the request has none (--bfc, attribute::BrowserFormatConversion). */
  browserFormatConversion: boolean;
  /** attribute::IccProfileRgb: a built-in space, or a name of the catalog's ICC profile map. */
  iccProfile?: RgbSpaceName;
  iccProfileName?: string;
  /** attribute::IccRenderIntent: the intent when icc= gives none (relative without). */
  iccIntent?: Intent;
  /** attribute::IccBlackPointCompensation: black-point compensation when icc= gives no choice. */
  iccBpc?: boolean;
  /** attribute::IccProfileCmyk and IccProfileGray: the profile of fmt=…,cmyk and fmt=…,gray replies, by name or path. */
  iccProfileCmyk?: string;
  iccProfileGray?: string;
  /** The client's device pixel ratio (its DPR client hint, when hints are on), which `dpr=on` without a value takes. */
  clientPixelRatio?: number;
}

const INTENTS: Record<string, Intent> = { perceptual: 'perceptual', relative: 'relative', saturation: 'saturation', absolute: 'absolute', '0': 'perceptual', '1': 'relative', '2': 'saturation', '3': 'absolute' };

/** icc=profile[,renderIntent[,blackpointComp[,dither]]] (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-icc); the last two are accepted and not applied. */
function interpretIcc(value: string | undefined, defaultIntent: Intent, defaultBpc: boolean): OutputSpec['icc'] {
  const [name = '', intent, bpc, dither] = (value ?? '').split(',');
  const space = rgbSpaceNamed(name);
  if (!space && name.trim() === '') throw forbidden('icc needs a profile name');
  const chosen = intent === undefined || intent.trim() === '' ? defaultIntent : oneOf(INTENTS, intent, 'icc render intent');
  const given = (flag: string | undefined) => (flag !== undefined && flag.trim() !== '' ? parseFlag(flag, 'icc flag') : undefined);
  const compensate = given(bpc) ?? defaultBpc;
  // dither is read and checked, and changes nothing: Isle's conversions round once, from floating point (docs/compatibility.md).
  given(dither);
  // Any other name is looked up in the catalog's ICC profile map by the server (a 403 there if absent).
  return space ? { space, intent: chosen, bpc: compensate, explicit: true } : { space: 'srgb', intent: chosen, bpc: compensate, explicit: true, profile: name.trim() };
}

/** resMode= names; `sharp` is deprecated for sharp2 and `trilin` is undocumented but common (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-is-http-resmode). */
const RES_MODES: Record<string, Resampling> = {
  bilin: 'bilinear',
  trilin: 'bilinear',
  bicub: 'bicubic',
  sharp2: 'lanczos3',
  sharp: 'lanczos3',
  bisharp: 'bicubicSharper',
};

/** pscan= values: read and checked, with no effect on the JPEG Isle writes (docs/compatibility.md). */
const PSCANS = { auto: 0, '3': 0, '4': 0, '5': 0 };

/**
 * Turns the merged, ordered modifiers of an image request into a typed request. Unknown command
 * names are ignored; a bad value of a known command is a 403 (docs/compatibility.md).
 */
export function interpretImageRequest(given: readonly Modifier[], defaults: RequestDefaults): ImageRequest {
  const modifiers = withoutEmptyValues(given);
  const commands = lastWins(modifiers);
  const type = requestType(commands);
  // The JSONP callback name of property replies: letters and digits only (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/req/r-req).
  if (commands.has('handler') && !/^[A-Za-z0-9]+$/.test(commands.get('handler') ?? '')) {
    throw forbidden('handler may contain only letters and digits');
  }
  clientCacheAllowed(commands);
  const view = interpretView(commands, defaults.clientPixelRatio);
  // fit= does not apply to thumbnails (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/req/r-req says it is an error; it is ignored, like fit= without a size).
  if (type === 'tmb') delete view.fit;
  // req=mask defaults to a grey JPEG (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/req/r-req); an explicit fmt= wins.
  if (type === 'mask' && !commands.has('fmt')) commands.set('fmt', 'jpeg,gray');
  const output = interpretOutput(commands, defaults);
  const crop = interpretCrop(commands);
  let resampling = defaults.resampling;
  if (commands.has('resmode')) resampling = oneOf(RES_MODES, commands.get('resmode'), 'resMode');
  const layerSpec = interpretLayer(commands, resampling, defaults.resolution);
  if (commands.has('pscan')) oneOf(PSCANS, commands.get('pscan'), 'pscan');
  const filters = interpretFilters(commands);
  if (type !== 'savetofile') {
    const kind = type === 'tmb' ? 'thumbnail' : type === 'mask' ? 'mask' : 'img';
    return { kind, crop, resampling, layer: layerSpec, view, filters, output };
  }
  const name = commands.get('name');
  if (name === undefined || name === '') throw forbidden('req=saveToFile needs name=');
  const timeout = commands.get('timeout');
  return {
    kind: 'saveToFile',
    crop,
    resampling,
    layer: layerSpec,
    view,
    filters,
    output,
    save: { name, timeoutMs: timeout === undefined ? undefined : numberOf('timeout', timeout) },
  };
}

function interpretView(commands: Map<string, string | undefined>, clientPixelRatio: number | undefined): ViewSpec {
  const view: ViewSpec = { align: { x: 0, y: 0 } };
  if (commands.has('wid')) view.width = numberOf('wid', commands.get('wid'));
  if (commands.has('hei')) view.height = numberOf('hei', commands.get('hei'));
  if (commands.has('scl')) view.inverseScale = numberOf('scl', commands.get('scl'));
  if (commands.has('fit')) {
    const [mode, upscale] = parts(commands.get('fit'), 'fit', 1, 2).map((p) => p.trim().toLowerCase());
    if (!FIT_MODES.includes(mode as FitMode)) throw forbidden(`fit must be one of ${FIT_MODES.join(', ')}`);
    const fit = { mode: mode as FitMode, upscale: upscale === undefined ? false : parseFlag(upscale, 'fit upscale flag') };
    // Without wid= or hei= (once macros are expanded) fit= has nothing to fit: real pages send it so,
    // and it is ignored rather than refused (docs/compatibility.md, leniency).
    if (view.width !== undefined || view.height !== undefined) view.fit = fit;
  }
  if (commands.has('align')) {
    const [x, y] = parts(commands.get('align'), 'align', 2, 2).map((p, i) => numberOf('align', p, i));
    view.align = { x: x!, y: y! };
  }
  if (commands.has('bgc')) view.background = { ...parseColor(commands.get('bgc') ?? '', 'bgc'), a: 255 };
  if (commands.has('rgn')) view.region = parseRect(commands.get('rgn'), 'rgn', 4);
  if (commands.has('dpr')) {
    const [mode, value] = parts(commands.get('dpr'), 'dpr', 1, 2).map((p) => p.trim().toLowerCase());
    if (mode === 'on' && value !== undefined) view.devicePixelRatio = numberOf('dpr', value, 0, 'dpr value');
    else if (mode === 'on') {
      view.pixelRatioFromClient = true;
      if (clientPixelRatio !== undefined) view.devicePixelRatio = clientPixelRatio;
    }
    else if (mode !== 'off') throw forbidden('dpr must be off or on,<value>');
  }
  if (commands.has('rect')) {
    const value = commands.get('rect');
    const rect = parseRect(value, 'rect', 5);
    const scale = parts(value, 'rect', 4, 5)[4];
    view.tile = { ...rect, scale: scale === undefined ? 1 : numberOf('rect', scale, 4, 'rect scale') };
  }
  return view;
}

function interpretFilters(commands: Map<string, string | undefined>): FilterSpec {
  const filters: FilterSpec = { sharpen: false, color: interpretColorOps(commands) };
  if (commands.has('op_blur')) filters.blur = numberOf('op_blur', commands.get('op_blur'));
  if (commands.has('op_sharpen')) filters.sharpen = parseFlag(commands.get('op_sharpen'), 'op_sharpen');
  // op_usm's radius refers to the full-resolution image; op_usmR's is used as given.
  const usm = lastOf(commands, 'op_usm', 'op_usmr');
  if (usm) {
    const [amount, radius, threshold, monochrome] = parts(commands.get(usm), usm, 1, 4);
    filters.unsharp = {
      amount: numberOf(usm, amount, 0, `${usm} amount`),
      radius: radius === undefined ? 0 : numberOf(usm, radius, 1, `${usm} radius`),
      threshold: threshold === undefined ? 0 : numberOf(usm, threshold, 2, `${usm} threshold`),
      monochrome: monochrome === undefined ? false : parseFlag(monochrome, `${usm} monochrome`),
      radiusScales: usm === 'op_usm',
    };
  }
  return filters;
}

/** The colour filters in the order their (last) occurrences came in the request. */
export function interpretColorOps(commands: Map<string, string | undefined>): ColorOp[] {
  const ops: ColorOp[] = [];
  for (const [name, value] of commands) {
    switch (name) {
      case 'op_brightness':
      case 'op_contrast':
      case 'op_saturation': {
        const op = name.slice(3) as 'brightness' | 'contrast' | 'saturation';
        ops.push({ op, value: numberOf(name, value) });
        break;
      }
      case 'op_hue':
        ops.push({ op: 'hue', degrees: numberOf(name, value) });
        break;
      case 'op_colorbalance': {
        const [r, g, b] = parts(value, name, 3, 3).map((p, i) => numberOf(name, p, i));
        ops.push({ op: 'balance', rgb: [r!, g!, b!] });
        break;
      }
      case 'op_invert':
        if (parseFlag(value, name)) ops.push({ op: 'invert' });
        break;
      // colorize= is the name older pages of the reference use (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-mask, https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-maskuse).
      case 'colorize':
      case 'op_colorize': {
        // color[,off|norm[,contrast]]: the colour holds commas itself, so read the options from the end.
        const p = (value ?? '').split(',');
        // The reference's default is norm,0: brightness compensation on, the input's contrast kept.
        let normalize = true;
        let contrast = 0;
        if (p.length >= 2 && /^\d+(\.\d+)?$/.test(p.at(-1)!) && /^(off|norm)$/i.test(p.at(-2) ?? '')) {
          contrast = numberOf('op_colorize', p.pop(), 0, 'op_colorize contrast');
        }
        if (/^(off|norm)$/i.test(p.at(-1) ?? '')) normalize = p.pop()!.toLowerCase() === 'norm';
        ops.push({ op: 'colorize', color: parseColor(p.join(','), 'op_colorize color'), normalize, contrast });
        break;
      }
      case 'op_noise': {
        const [amount, kind = 'uniform', mono = '0'] = parts(value, name, 1, 3);
        const gaussian = oneOf({ uniform: false, gaussian: true }, kind, 'op_noise distribution');
        ops.push({ op: 'noise', amount: numberOf(name, amount), gaussian, monochrome: parseFlag(mono, 'op_noise monochrome') });
        break;
      }
    }
  }
  return ops;
}

export function interpretLayer(commands: Map<string, string | undefined>, resampling: Resampling, resolution: number): LayerSpec | undefined {
  const layer: LayerSpec = { resampling };
  // res= scales by res / catalog::Resolution unless scale= or size= is given (they win).
  if (commands.has('res')) layer.scale = numberOf('res', commands.get('res')) / resolution;
  if (commands.has('size')) {
    const [w, h] = parts(commands.get('size'), 'size', 2, 2).map((p, i) => numberOf('size', p, i));
    if (w! > 0 || h! > 0) layer.size = { width: w!, height: h! };
  }
  if (commands.has('scale')) layer.scale = numberOf('scale', commands.get('scale'));
  if (commands.has('flip')) layer.flip = oneOf({ lr: 'lr', ud: 'ud', lrud: 'lrud' } as const, commands.get('flip'), 'flip');
  if (commands.has('rotate')) layer.rotate = numberOf('rotate', commands.get('rotate'));
  const extend = lastOf(commands, 'extend', 'extendn');
  if (extend === 'extend') {
    const [left, top, right, bottom] = parts(commands.get('extend'), 'extend', 4, 4).map((p, i) => numberOf('extend', p, i));
    layer.extend = { left: left!, top: top!, right: right!, bottom: bottom!, normalized: false };
  } else if (extend === 'extendn') {
    const [left, top, right, bottom] = parts(commands.get('extendn'), 'extendN', 4, 4).map((p, i) => numberOf('extendn', p, i));
    layer.extend = { left: left!, top: top!, right: right!, bottom: bottom!, normalized: true };
  }
  // anchor= and origin= only move a layer relative to layer 0; for layer 0 itself they are checked and
  // have no visible effect (the composite is layer 0).
  for (const name of ['anchor', 'origin', 'anchorn', 'originn']) if (commands.has(name)) parts(commands.get(name), name, 2, 2).map((p, i) => numberOf(name, p, i));
  if (commands.has('opac')) {
    const [o, fill = '100'] = parts(commands.get('opac'), 'opac', 1, 2).map((p) => p.trim());
    const primary = numberOf('opac', o);
    const fillOpacity = numberOf('opac', fill, 1, 'opac fill');
    layer.opacity = (primary * fillOpacity) / 10000;
    // Fill opacity fades the layer's own pixels, not its effects (docs/compatibility.md).
    if (fillOpacity !== 100) layer.effectOpacity = primary / 100;
  }
  if (commands.has('bgcolor')) layer.background = parseColor(commands.get('bgcolor') ?? '', 'bgColor');
  const transforms =
    layer.size !== undefined || (layer.scale ?? 1) !== 1 || layer.flip || layer.rotate || layer.extend ||
    (layer.opacity ?? 1) !== 1 || layer.background;
  return transforms ? layer : undefined;
}

/** quantize=type[,dither[,numColors[,colorList]]] (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-is-http-quantize). */
function interpretQuantize(value: string | undefined): OutputSpec['quantize'] {
  const [type = 'adaptive', dither = 'diffuse', colors = '256', ...list] = (value ?? '').split(',').map((p) => p.trim().toLowerCase());
  if (type === 'mac') throw forbidden('quantize=mac is not supported; use adaptive or web');
  if (type !== '') oneOf({ adaptive: 0, web: 0 }, type, 'quantize type');
  if (dither !== '') oneOf({ diffuse: 0, off: 0 }, dither, 'quantize dither');
  const colorList = list.filter((c) => c !== '').map((c) => {
    if (!/^[0-9a-f]{6}$/.test(c)) throw forbidden('quantize colors must be six-digit hex values');
    return [0, 2, 4].map((i) => parseInt(c.slice(i, i + 2), 16)) as [number, number, number];
  });
  return {
    type: type === 'web' ? 'web' : 'adaptive',
    dither: dither !== 'off',
    colors: colors === '' ? 256 : numberOf('quantize', colors, 0, 'quantize colors'),
    colorList: colorList.length > 0 ? colorList : undefined,
  };
}

/** crop= (pixels) or cropN= (fractions); when both are given the later one wins. */
export function interpretCrop(commands: Map<string, string | undefined>): CropSpec | undefined {
  const name = lastOf(commands, 'crop', 'cropn');
  if (!name) return undefined;
  const value = commands.get(name);
  if (name === 'crop') return { ...parseRect(value, 'crop', 4), normalized: false };
  const [x, y, w, h] = parts(value, 'cropN', 4, 4).map((p, i) => numberOf('cropn', p, i));
  return { x: x!, y: y!, width: w!, height: h!, normalized: true };
}

function parseRect(value: string | undefined, what: 'crop' | 'rgn' | 'rect', maxParts: number): Rect {
  const p = parts(value, what, 4, maxParts);
  return {
    x: numberOf(what, p[0], 0, `${what} x`),
    y: numberOf(what, p[1], 1, `${what} y`),
    width: numberOf(what, p[2], 2, `${what} width`),
    height: numberOf(what, p[3], 3, `${what} height`),
  };
}

/** The formats of the table (by their main names) that take a pixel type, for the error. */
function formatsTaking(pixelType: 'gray' | 'cmyk'): string {
  const names = (Object.keys(FORMATS) as OutputFormat[]).filter((f) => FORMATS[f][pixelType] && FORMATS[f].extensions.length > 0);
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

function interpretOutput(commands: Map<string, string | undefined>, defaults: RequestDefaults): OutputSpec {
  const [rawFormat = 'jpeg', rawPixelType = '', compression] = (commands.get('fmt') ?? 'jpeg').split(',');
  const formatName = rawFormat.trim().toLowerCase();
  // fmt=auto stands for JPEG until the browser's Accept is read (service/prepare.ts).
  const auto = formatName === 'auto';
  if (auto && !defaults.formatAuto) throw forbidden('fmt=auto is not enabled on this server');
  const format = auto ? 'jpeg' : formatNamed(formatName);
  if (!format) {
    if (UNSUPPORTED_FORMATS.has(formatName)) throw forbidden(`fmt=${formatName} is not supported by this server`);
    throw forbidden('fmt names an unknown format');
  }
  const spec = FORMATS[format];
  const pixelType = oneOf({ rgb: 'rgb', gray: 'gray', cmyk: 'cmyk' } as const, rawPixelType.trim() || 'rgb', 'fmt pixel type');
  // icc= decides the pixel type (its profile's), so fmt='s is then not checked here (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-is-http-fmt).
  if (pixelType !== 'rgb' && !spec[pixelType] && !commands.has('icc')) throw forbidden(`fmt pixel type ${pixelType} is supported for ${formatsTaking(pixelType)} only`);
  const compressionName = (compression ?? '').trim().toLowerCase();
  if (compressionName !== '' && !spec.compressions.includes(compressionName)) {
    throw forbidden(spec.compressions.length > 0 ? `fmt=${formatName} compression must be ${spec.compressions.join(' or ')}` : `fmt=${formatName} takes no compression option`);
  }
  // A CMYK JPEG inside a TIFF has no marker that libtiff and libvips agree on for its inks.
  if (spec.encoder === 'tiff' && compressionName === 'jpeg' && pixelType === 'cmyk') throw forbidden('fmt=tif,cmyk compression must be none, zip or lzw');

  let { quality, fullChroma } = defaults.jpegQuality;
  if (commands.has('qlt')) {
    const [q, chroma] = parts(commands.get('qlt'), 'qlt', 1, 2);
    quality = numberOf('qlt', q, 0, 'qlt quality');
    if (chroma !== undefined && chroma !== '') fullChroma = parseFlag(chroma, 'qlt chroma flag');
  }
  const bfc = commands.has('bfc') ? parseFlag(commands.get('bfc'), 'bfc') : defaults.browserFormatConversion;
  const intent = defaults.iccIntent ?? 'relative';
  const bpc = defaults.iccBpc ?? false;
  // Without icc=, the catalog's profile for the pixel type (attribute::IccProfileRgb, IccProfileCmyk, IccProfileGray).
  const typeProfile = pixelType === 'cmyk' ? defaults.iccProfileCmyk : pixelType === 'gray' ? defaults.iccProfileGray : defaults.iccProfileName;
  const icc = commands.has('icc')
    ? interpretIcc(commands.get('icc'), intent, bpc)
    : { space: (pixelType === 'rgb' && defaults.iccProfile) || 'srgb', intent, bpc, explicit: false, ...(typeProfile ? { profile: typeProfile } : {}) };
  return {
    format,
    negotiate: auto ? 'auto' : bfc ? 'convert' : undefined,
    ...(icc && (icc.explicit || icc.space !== 'srgb' || icc.intent !== 'relative' || icc.bpc || icc.profile) ? { icc } : {}),
    // With icc=, the server sets these from its profile's type.
    gray: pixelType === 'gray' && !commands.has('icc'),
    cmyk: pixelType === 'cmyk' && !commands.has('icc'),
    quality,
    fullChroma,
    lossless: compressionName === 'lossless',
    pdfCompression: compressionName === 'zip' || compressionName === 'jpeg' ? compressionName : 'none',
    tiffCompression: compressionName === 'zip' ? 'deflate' : compressionName === 'lzw' || compressionName === 'jpeg' ? compressionName : 'none',
    printRes: commands.has('printres') ? numberOf('printres', commands.get('printres')) : undefined,
    embedIcc: commands.has('iccembed') ? parseFlag(commands.get('iccembed'), 'iccEmbed') : false,
    quantize: interpretQuantize(commands.get('quantize')),
    maxKilobytes: commands.has('jpegsize') ? numberOf('jpegsize', commands.get('jpegsize')) || undefined : undefined,
  };
}
