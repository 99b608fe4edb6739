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

export interface CommandSpec {
  name: string;
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
  { name: 'wid', syntax: 'wid=<int>', help: 'reply width in pixels', numbers: [int(1)] },
  { name: 'hei', syntax: 'hei=<int>', help: 'reply height in pixels', numbers: [int(1)] },
  { name: 'scl', syntax: 'scl=<real>', help: 'reply scale: the view is the image divided by this', numbers: [positive(1e6)] },
  { name: 'fit', syntax: 'fit=fit|constrain|crop|wrap|stretch|hfit|vfit[,0|1]', help: 'how wid and hei are met; 1 allows enlarging' },
  { name: 'align', syntax: 'align=<x>,<y>', help: 'where the image sits in the view, -1 to 1 each way', numbers: [real(-1, 1)] },
  { name: 'bgc', syntax: 'bgc=<color>', help: 'the view background (hex, or r,g,b)' },
  { name: 'rgn', syntax: 'rgn=<x>,<y>,<w>,<h>', help: 'the part of the view to send', numbers: [int(-INT32), int(-INT32), int(1), int(1)] },
  { name: 'rect', syntax: 'rect=<x>,<y>,<w>,<h>[,<scale>]', help: 'a tile of the scaled view', numbers: [int(-INT32), int(-INT32), int(1), int(1), positive(1e6)] },
  { name: 'dpr', syntax: 'dpr=off|on[,<ratio>]', help: 'device pixel ratio applied to wid and hei', numbers: [positive(100)] },
  // The source image: crop, size, orientation, extension.
  { name: 'crop', syntax: 'crop=<x>,<y>,<w>,<h>', help: 'source region in pixels', numbers: [int(-INT32), int(-INT32), int(1), int(1)] },
  { name: 'cropN', syntax: 'cropN=<x>,<y>,<w>,<h>', help: 'source region as fractions of the source', numbers: [real(-1e6, 1e6), real(-1e6, 1e6), positive(1e6), positive(1e6)] },
  { name: 'size', syntax: 'size=<w>,<h>', help: 'layer size in pixels (0 keeps the aspect)', numbers: [int(0, 100_000)] },
  { name: 'scale', syntax: 'scale=<real>', help: 'layer scale factor', numbers: [positive(100)] },
  { name: 'res', syntax: 'res=<real>', help: 'layer resolution; scales by res / catalog Resolution', numbers: [positive(1e6)] },
  { name: 'rotate', syntax: 'rotate=<degrees>', help: 'layer rotation, clockwise', numbers: [real(-1e6, 1e6)] },
  { name: 'flip', syntax: 'flip=lr|ud|lrud', help: 'mirror the layer' },
  { name: 'extend', syntax: 'extend=<l>,<t>,<r>,<b>', help: 'grow (or shrink) the layer by pixels', numbers: [int(-100_000, 100_000)] },
  { name: 'extendN', syntax: 'extendN=<l>,<t>,<r>,<b>', help: 'grow the layer by fractions of its size', numbers: [real(-1, 100)] },
  { name: 'anchor', syntax: 'anchor=<x>,<y>', help: 'layer anchor in pixels (layer 0: checked only)', numbers: [int(-INT32)] },
  { name: 'anchorN', syntax: 'anchorN=<x>,<y>', help: 'layer anchor as fractions', numbers: [real(-1e6, 1e6)] },
  { name: 'origin', syntax: 'origin=<x>,<y>', help: 'layer origin in pixels (layer 0: checked only)', numbers: [int(-INT32)] },
  { name: 'originN', syntax: 'originN=<x>,<y>', help: 'layer origin as fractions', numbers: [real(-1e6, 1e6)] },
  { name: 'opac', syntax: 'opac=<opacity>[,<fill>]', help: 'layer opacity, percent', numbers: [int(0, 100)] },
  { name: 'bgColor', syntax: 'bgColor=<color>', help: 'layer background colour' },
  { name: 'resMode', syntax: 'resMode=bilin|bicub|sharp2|bisharp', help: 'resampling filter' },
  // Filters.
  { name: 'op_blur', syntax: 'op_blur=<radius>', help: 'Gaussian blur', numbers: [real(0, 100)] },
  { name: 'op_sharpen', syntax: 'op_sharpen=0|1', help: 'a light sharpening' },
  { name: 'op_usm', syntax: 'op_usm=<amount>[,<radius>[,<threshold>[,0|1]]]', help: 'unsharp mask; radius at full resolution', numbers: [real(0, 5), real(0, 250), int(0, 255), int(0, 1)] },
  { name: 'op_usmR', syntax: 'op_usmR=<amount>[,<radius>[,<threshold>[,0|1]]]', help: 'unsharp mask; radius as given', numbers: [real(0, 5), real(0, 250), int(0, 255), int(0, 1)] },
  { name: 'op_brightness', syntax: 'op_brightness=<int>', help: 'brightness, -100 to 100', numbers: [int(-100, 100)] },
  { name: 'op_contrast', syntax: 'op_contrast=<int>', help: 'contrast, -100 to 100', numbers: [int(-100, 100)] },
  { name: 'op_saturation', syntax: 'op_saturation=<int>', help: 'saturation, -100 to 100', numbers: [int(-100, 100)] },
  { name: 'op_hue', syntax: 'op_hue=<degrees>', help: 'hue rotation', numbers: [int(-180, 180)] },
  { name: 'op_colorBalance', syntax: 'op_colorBalance=<r>,<g>,<b>', help: 'colour balance, -100 to 100 each', numbers: [int(-100, 100)] },
  { name: 'op_invert', syntax: 'op_invert=0|1', help: 'invert the colours' },
  { name: 'op_colorize', syntax: 'op_colorize=<color>[,off|norm[,<contrast>]]', help: 'tint with a colour', numbers: [real(0, 100)] },
  { name: 'op_noise', syntax: 'op_noise=<amount>[,uniform|gaussian[,0|1]]', help: 'add noise', numbers: [int(0, 100)] },
  // The reply's format.
  { name: 'fmt', syntax: 'fmt=<format>[,rgb|gray[,<compression>]]', help: 'jpeg, pjpeg, png, png-alpha, png8, webp, avif, gif, tif, jpeg2000, pdf and their -alpha forms' },
  { name: 'qlt', syntax: 'qlt=<quality>[,0|1]', help: 'JPEG quality; 1 turns chroma subsampling off', numbers: [int(1, 100), int(0, 1)] },
  { name: 'quantize', syntax: 'quantize=adaptive|web[,diffuse|off[,<colors>[,<hex>...]]]', help: 'palette of png8 and gif', numbers: [int(2, 256)] },
  { name: 'jpegSize', syntax: 'jpegSize=<kilobytes>', help: 'the largest JPEG reply, in kilobytes', numbers: [int(0, 1_000_000)] },
  { name: 'printRes', syntax: 'printRes=<dpi>', help: 'resolution written into the reply', numbers: [positive(65535)] },
  { name: 'iccEmbed', syntax: 'iccEmbed=0|1', help: 'embed the source ICC profile' },
  { name: 'pscan', syntax: 'pscan=auto|3|4|5', help: 'progressive scan script (accepted)' },
  // The request.
  { name: 'req', syntax: 'req=<type>[,text|javascript|xml|json]', help: 'img, tmb, mask, saveToFile, props, imageprops, exists, validate, resolve, userdata, catalogprops, message, loadcache' },
  { name: 'name', syntax: 'name=<file>', help: 'saveToFile: the file name under SavePath' },
  { name: 'timeout', syntax: 'timeout=<ms>', help: 'saveToFile: the longest the save may take', numbers: [int(1, 86_400_000)] },
  { name: 'cache', syntax: 'cache=on|off|validate|update[,...]', help: 'off makes the reply non-cacheable' },
  { name: 'handler', syntax: 'handler=<name>', help: 'JSONP callback of property replies' },
  { name: 'id', syntax: 'id=<text>', help: 'JSONP request id, echoed' },
  { name: 'defaultImage', syntax: 'defaultImage=<id>', help: 'the image served when the source is missing' },
  { name: 'message', syntax: 'message=<text>', help: 'req=message: a line for the log' },
  { name: 'type', syntax: 'type=<mime prefix>', help: '/is/content: the content type the item must have' },
  // Layering: refused with a clear 403 until the layer engine arrives.
  { name: 'layer', syntax: 'layer=<n>|comp', help: 'select a layer (only layer 0 and comp are served)' },
  { name: 'src', syntax: 'src=<object>', help: 'a layer source (not supported yet)' },
  { name: 'effect', syntax: 'effect=<n>', help: 'a layer effect (not supported yet)' },
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
  return range.integer ? parseInt32(value, label, range.min, range.max) : parseReal(value, label, range.min, range.max, range.aboveMin === true);
}
