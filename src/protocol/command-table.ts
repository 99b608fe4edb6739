import { parseInt32, parseReal } from './values.ts';

/**
 * Every command the parser knows, in one table: how the reference spells it, its value's syntax, a
 * line of help and the range of each of its numbers. The parser (commands.ts) reads the ranges
 * from here, and the playground lists the table, so the two cannot disagree.
 */
interface NumberRange {
  min: number;
  max: number;
  integer?: true;
  /** The minimum itself is excluded (scale factors, which must be positive). */
  aboveMin?: true;
}

/**
 * Where a command applies in a layered request (each command page's Properties section, https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/c-command-reference): `request` commands are
 * global wherever they appear (the view, the format, the request); `layer` commands given before
 * any `layer=` (in `comp`) go to layer 0; `composite` ones given there act on the composite.
 * Inside a `layer=N` or `effect=N` segment, every non-request command belongs to that segment.
 */
export type Scope = 'request' | 'layer' | 'composite';

export interface CommandSpec {
  name: string;
  scope: Scope;
  syntax: string;
  help: string;
  /** The range of each number in the value, in order; the last one covers any further numbers. */
  numbers?: NumberRange[];
}

const INT32 = 2147483647;
const int = (min: number, max = INT32): NumberRange => ({ min, max, integer: true });
const real = (min: number, max: number): NumberRange => ({ min, max });
const positive = (max: number): NumberRange => ({ min: 0, max, aboveMin: true });

const TABLE: CommandSpec[] = [
  // The reply's size and view.
  { name: 'wid', scope: 'request', syntax: 'wid=<int>', help: 'reply width in pixels', numbers: [int(1)] },
  { name: 'hei', scope: 'request', syntax: 'hei=<int>', help: 'reply height in pixels', numbers: [int(1)] },
  { name: 'scl', scope: 'request', syntax: 'scl=<real>', help: 'reply scale: the view is the image divided by this', numbers: [positive(1e6)] },
  { name: 'fit', scope: 'request', syntax: 'fit=fit|constrain|crop|wrap|stretch|hfit|vfit[,0|1]', help: 'how wid and hei are met; 1 allows enlarging' },
  { name: 'align', scope: 'request', syntax: 'align=<x>,<y>', help: 'where the image sits in the view, -1 to 1 each way', numbers: [real(-1, 1)] },
  { name: 'bgc', scope: 'request', syntax: 'bgc=<color>', help: 'the view background (hex, or r,g,b)' },
  { name: 'rgn', scope: 'request', syntax: 'rgn=<x>,<y>,<w>,<h>', help: 'the part of the view to send', numbers: [int(-INT32), int(-INT32), int(1), int(1)] },
  { name: 'rect', scope: 'request', syntax: 'rect=<x>,<y>,<w>,<h>[,<scale>]', help: 'a tile of the scaled view', numbers: [int(-INT32), int(-INT32), int(1), int(1), positive(1e6)] },
  { name: 'dpr', scope: 'request', syntax: 'dpr=off|on[,<ratio>]', help: 'device pixel ratio applied to wid and hei', numbers: [positive(100)] },
  // The source image: crop, size, orientation, extension.
  { name: 'crop', scope: 'layer', syntax: 'crop=<x>,<y>,<w>,<h>', help: 'source region in pixels; a size of 0 reaches the far edge', numbers: [int(-INT32), int(-INT32), int(0), int(0)] },
  { name: 'cropN', scope: 'layer', syntax: 'cropN=<x>,<y>,<w>,<h>', help: 'source region as fractions of the source; a size of 0 reaches the far edge', numbers: [real(-1e6, 1e6), real(-1e6, 1e6), real(0, 1e6), real(0, 1e6)] },
  { name: 'size', scope: 'layer', syntax: 'size=<w>,<h>', help: 'layer size in pixels (0 keeps the aspect)', numbers: [int(0, 100_000)] },
  { name: 'scale', scope: 'layer', syntax: 'scale=<real>', help: 'layer scale factor', numbers: [positive(100)] },
  { name: 'res', scope: 'layer', syntax: 'res=<real>', help: 'layer resolution; scales by res / catalog Resolution', numbers: [positive(1e6)] },
  { name: 'rotate', scope: 'layer', syntax: 'rotate=<degrees>', help: 'layer rotation, clockwise', numbers: [real(-1e6, 1e6)] },
  { name: 'flip', scope: 'composite', syntax: 'flip=lr|ud|lrud', help: 'mirror the layer' },
  { name: 'extend', scope: 'layer', syntax: 'extend=<l>,<t>,<r>,<b>', help: 'grow (or shrink) the layer by pixels', numbers: [int(-100_000, 100_000)] },
  { name: 'extendN', scope: 'layer', syntax: 'extendN=<l>,<t>,<r>,<b>', help: 'grow the layer by fractions of its size', numbers: [real(-1, 100)] },
  { name: 'anchor', scope: 'layer', syntax: 'anchor=<x>,<y>', help: 'the point of the source that is placed, in pixels from its top-left', numbers: [int(-INT32)] },
  { name: 'anchorN', scope: 'layer', syntax: 'anchorN=<x>,<y>', help: 'the same point as fractions from the centre (±0.5 are the edges)', numbers: [real(-1e6, 1e6)] },
  { name: 'origin', scope: 'layer', syntax: 'origin=<x>,<y>', help: "the layer's placed point, in pixels from its top-left after its transforms", numbers: [int(-INT32)] },
  { name: 'originN', scope: 'layer', syntax: 'originN=<x>,<y>', help: 'the same point as fractions from the centre', numbers: [real(-1e6, 1e6)] },
  { name: 'opac', scope: 'composite', syntax: 'opac=<opacity>[,<fill>]', help: 'layer opacity, percent', numbers: [int(0, 100)] },
  { name: 'bgColor', scope: 'layer', syntax: 'bgColor=<color>', help: 'layer background colour' },
  { name: 'resMode', scope: 'request', syntax: 'resMode=bilin|bicub|sharp2|bisharp', help: 'resampling filter' },
  // Filters.
  { name: 'op_blur', scope: 'composite', syntax: 'op_blur=<radius>', help: 'Gaussian blur', numbers: [real(0, 100)] },
  { name: 'op_sharpen', scope: 'request', syntax: 'op_sharpen=0|1', help: 'a light sharpening' },
  { name: 'op_usm', scope: 'request', syntax: 'op_usm=<amount>[,<radius>[,<threshold>[,0|1]]]', help: 'unsharp mask; radius at full resolution', numbers: [real(0, 5), real(0, 250), int(0, 255), int(0, 1)] },
  { name: 'op_usmR', scope: 'request', syntax: 'op_usmR=<amount>[,<radius>[,<threshold>[,0|1]]]', help: 'unsharp mask; radius as given', numbers: [real(0, 5), real(0, 250), int(0, 255), int(0, 1)] },
  { name: 'op_brightness', scope: 'composite', syntax: 'op_brightness=<int>', help: 'brightness, -100 to 100', numbers: [int(-100, 100)] },
  { name: 'op_contrast', scope: 'composite', syntax: 'op_contrast=<int>', help: 'contrast, -100 to 100', numbers: [int(-100, 100)] },
  { name: 'op_saturation', scope: 'composite', syntax: 'op_saturation=<int>', help: 'saturation, -100 to 100', numbers: [int(-100, 100)] },
  { name: 'op_hue', scope: 'composite', syntax: 'op_hue=<degrees>', help: 'hue rotation', numbers: [int(-180, 180)] },
  { name: 'op_colorBalance', scope: 'composite', syntax: 'op_colorBalance=<r>,<g>,<b>', help: 'colour balance, -100 to 100 each', numbers: [int(-100, 100)] },
  { name: 'op_invert', scope: 'composite', syntax: 'op_invert=0|1', help: 'invert the colours' },
  { name: 'op_colorize', scope: 'composite', syntax: 'op_colorize=<color>[,off|norm[,<contrast>]]', help: 'tint with a colour', numbers: [real(0, 100)] },
  { name: 'colorize', scope: 'composite', syntax: 'colorize=<color>[,off|norm[,<contrast>]]', help: 'the older name of op_colorize', numbers: [real(0, 100)] },
  { name: 'op_noise', scope: 'composite', syntax: 'op_noise=<amount>[,uniform|gaussian[,0|1]]', help: 'add noise', numbers: [int(0, 100)] },
  // The reply's format.
  { name: 'fmt', scope: 'request', syntax: 'fmt=<format>[,rgb|gray[,<compression>]]', help: 'jpeg, pjpeg, png, png-alpha, png8, webp, avif, gif, tif, jpeg2000, pdf, eps and their -alpha forms; auto picks by the browser\'s Accept' },
  { name: 'qlt', scope: 'request', syntax: 'qlt=<quality>[,0|1]', help: 'JPEG quality; 1 turns chroma subsampling off', numbers: [int(1, 100), int(0, 1)] },
  { name: 'quantize', scope: 'request', syntax: 'quantize=adaptive|web[,diffuse|off[,<colors>[,<hex>...]]]', help: 'palette of png8 and gif', numbers: [int(2, 256)] },
  { name: 'jpegSize', scope: 'request', syntax: 'jpegSize=<kilobytes>', help: 'the largest JPEG reply, in kilobytes', numbers: [int(0, 1_000_000)] },
  { name: 'printRes', scope: 'request', syntax: 'printRes=<dpi>', help: 'resolution written into the reply', numbers: [positive(65535)] },
  { name: 'iccEmbed', scope: 'request', syntax: 'iccEmbed=0|1', help: "embed the reply's ICC profile" },
  { name: 'icc', scope: 'request', syntax: 'icc=<profile>[,<intent>[,0|1[,0|1]]]', help: 'the reply\'s RGB space: sRGB, AdobeRGB, ProPhoto or DisplayP3; intent perceptual, relative, saturation or absolute' },
  { name: 'pscan', scope: 'request', syntax: 'pscan=auto|3|4|5', help: 'progressive scan script (accepted)' },
  // The request.
  { name: 'req', scope: 'request', syntax: 'req=<type>[,text|javascript|xml|json]', help: 'img, tmb, mask, saveToFile, props, imageprops, exists, validate, resolve, userdata, catalogprops, message, loadcache' },
  { name: 'name', scope: 'request', syntax: 'name=<file>', help: 'saveToFile: the file name under SavePath' },
  { name: 'timeout', scope: 'request', syntax: 'timeout=<ms>', help: 'saveToFile: the longest the save may take', numbers: [int(1, 86_400_000)] },
  { name: 'cache', scope: 'request', syntax: 'cache=on|off|validate|update[,...]', help: 'off makes the reply non-cacheable' },
  { name: 'handler', scope: 'request', syntax: 'handler=<name>', help: 'JSONP callback of property replies' },
  { name: 'id', scope: 'request', syntax: 'id=<text>', help: 'JSONP request id, echoed' },
  { name: 'defaultImage', scope: 'request', syntax: 'defaultImage=<id>', help: 'the image served when the source is missing' },
  { name: 'message', scope: 'request', syntax: 'message=<text>', help: 'req=message: a line for the log' },
  { name: 'type', scope: 'request', syntax: 'type=<mime prefix>', help: '/is/content: the content type the item must have' },
  // Layering (segments.ts splits the request at these two).
  { name: 'layer', scope: 'request', syntax: 'layer=<n>|comp[,<name>]|<name>', help: 'start the commands of layer n (or of the composite)' },
  { name: 'effect', scope: 'request', syntax: 'effect=<n>', help: 'start an effect of the current layer: n<0 behind it (shadow, glow), n>0 inside it' },
  { name: 'src', scope: 'layer', syntax: 'src=<object>|is{<request>}', help: 'the layer image: a catalog id, a path, or a nested request' },
  { name: 'text', scope: 'layer', syntax: 'text=<rtf or plain text>', help: 'a text layer, laid out like WordPad (RTF with \\fonttbl, \\colortbl, \\fs, \\b, \\qc ...)' },
  { name: 'textPs', scope: 'layer', syntax: 'textPs=<rtf or plain text>', help: 'a text layer, laid out like Photoshop: point text without size=, copy-fitting with \\copyfit' },
  { name: 'textAttr', scope: 'layer', syntax: 'textAttr=<dpi>[,off|norm|crisp|sharp|strong|smooth[,fixedRes|autoRes|maxRes[,wrap|noWrap|nbWrap]]]', help: 'text resolution (px = pt x dpi / 72), anti-aliasing, text= resolution fitting, word wrap', numbers: [positive(10_000)] },
  { name: 'textAngle', scope: 'layer', syntax: 'textAngle=<degrees>', help: 'textPs= text turned clockwise', numbers: [real(-1e6, 1e6)] },
  { name: 'textPath', scope: 'layer', syntax: 'textPath=<path>', help: 'text on a path (not supported: 403)' },
  { name: 'textFlowPath', scope: 'layer', syntax: 'textFlowPath=<path>', help: 'text flowed into a path (not supported: 403)' },
  { name: 'textFlowXPath', scope: 'layer', syntax: 'textFlowXPath=<path>', help: 'text flowed around a path (not supported: 403)' },
  { name: 'pathAttr', scope: 'layer', syntax: 'pathAttr=norm|reverse[,<start>[,<end>]]', help: 'textPath= options (not supported with it)' },
  { name: 'clipPath', scope: 'composite', syntax: 'clipPath=<path data>', help: 'keep only what is inside the path (M/m, L/l, C/c, Z, in layer pixels); sizes a solid or text layer without size=' },
  { name: 'clipPathE', scope: 'composite', syntax: 'clipPathE=<name>[,<name>...]', help: "keep only what is inside the source's embedded Photoshop paths (their intersection); unknown names are ignored" },
  { name: 'clipXPath', scope: 'composite', syntax: 'clipXPath=<path data>', help: 'make what is inside the path transparent (with clipPath= or clipPathE= only)' },
  { name: 'clipXPathE', scope: 'composite', syntax: 'clipXPathE=<name>[,<name>...]', help: "make what is inside the embedded paths' intersection transparent (with clipPath= or clipPathE= only)" },
  { name: 'mask', scope: 'layer', syntax: 'mask=<object>|is{<request>}', help: "the layer's mask: its alpha, or its grey when it has none" },
  { name: 'maskUse', scope: 'layer', syntax: 'maskUse=norm|invert|off', help: 'use the mask as it is, inverted, or not at all' },
  { name: 'color', scope: 'layer', syntax: 'color=<color>', help: 'a solid layer of this colour, or the fill under an image layer' },
  { name: 'pos', scope: 'layer', syntax: 'pos=<x>,<y>', help: "offset of the layer's origin from layer 0's, in pixels", numbers: [int(-INT32)] },
  { name: 'posN', scope: 'layer', syntax: 'posN=<x>,<y>', help: "the same offset as fractions of layer 0's size", numbers: [real(-1e6, 1e6)] },
  { name: 'sizeN', scope: 'layer', syntax: 'sizeN=<w>,<h>', help: "layer size as fractions of layer 0's size", numbers: [real(0, 1e6)] },
  { name: 'blendMode', scope: 'layer', syntax: 'blendMode=norm|dissolve|lighten|darken|mult|screen', help: 'how the layer mixes with what is under it' },
  { name: 'hide', scope: 'layer', syntax: 'hide=0|1', help: 'leave the layer (and its effects) out' },
  { name: 'op_grow', scope: 'composite', syntax: 'op_grow=<px>', help: "grow (or shrink) an effect's mask", numbers: [int(-100, 100)] },
  { name: 'effectMask', scope: 'request', syntax: 'effectMask=0|1', help: 'hide outer effects under their layer (attribute::ApplyEffectMask)' },
  { name: 'bfc', scope: 'request', syntax: 'bfc=on|off', help: 'send AVIF or WebP instead of JPEG or PNG to browsers that take them (smart imaging)' },
  { name: 'imageSet', scope: 'request', syntax: 'imageSet={<set>}', help: 'req=set: the set to describe instead of the record\'s ImageSet' },
  { name: 'labelKey', scope: 'request', syntax: 'labelKey=<key>', help: 'req=set: the UserData key whose value labels each item' },
  { name: 'template', scope: 'request', syntax: 'template=<object>', help: 'a catalog record whose Modifier is the layered request; the path object becomes $object$' },
];

/** By the lower-case name the parser sees. */
export const COMMANDS: ReadonlyMap<string, CommandSpec> = new Map(TABLE.map((c) => [c.name.toLowerCase(), c]));

/**
 * The `index`-th number of command `name`'s value, checked against the table's range; `what`
 * names it in the error (the command's own spelling by default).
 */
export function numberOf(name: string, value: string | undefined, index = 0, what?: string): number {
  const spec = COMMANDS.get(name);
  if (!spec?.numbers) throw new Error(`the command table has no numbers for ${name}`);
  const range = spec.numbers[Math.min(index, spec.numbers.length - 1)]!;
  const label = what ?? spec.name;
  if (!range.integer) return parseReal(value, label, range.min, range.max, range.aboveMin === true);
  // A decimal where an integer is expected (`wid=199.5`, sent by URL builders) is rounded, half up.
  if (value !== undefined && /^\s*[-+]?(\d+\.\d*|\.\d+)\s*$/.test(value)) {
    return parseInt32(String(Math.floor(Number(value) + 0.5)), label, range.min, range.max);
  }
  return parseInt32(value, label, range.min, range.max);
}
