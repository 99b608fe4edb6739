import { forbidden } from '../protocol/errors.ts';
import { corrupt, unsupported, viewOf, type Step } from './raster-header.ts';

/**
 * EPS as Photoshop writes it: its `%ImageData:` comment says the image's size, depth, mode, extra
 * channels, interleaving and encoding, and where the samples begin:
 *
 *   %ImageData: <columns> <rows> <depth> <mode> <pad channels> <block size> <encoding> "<data start>"
 *
 * mode 1 grey, 3 RGB, 4 CMYK (2, Lab, refused); depth 8; block size 1 (samples interleaved) or the
 * width (each row one channel after another); pad channels (Photoshop's alpha channels) stored
 * after the colours and skipped. Encoding 1 is binary and 2 ASCII hex; Photoshop's other codes (its
 * ASCII85 and JPEG choices) are read by what the data is: a JPEG (FF D8) or ASCII85 text, which
 * holds raw samples or a JPEG. The DOS EPS binary header (C5 D0 D3 C6) points at the PostScript.
 * Any other EPS (no `%ImageData`: a drawing) is a 403 naming it: Isle does not run PostScript.
 * Photoshop's image resources (its paths among them) are the hex lines, each behind a `%`, between
 * `%BeginPhotoshop: <bytes>` and `%EndPhotoshop`.
 */
export interface EpsHeader {
  width: number;
  height: number;
  pixelType: 'gray' | 'rgb' | 'cmyk';
  channels: number;
  pad: number;
  /** Each row channel after channel (block size = width), not pixel after pixel. */
  lineInterleaved: boolean;
  encoding: 'binary' | 'hex' | 'ascii85' | 'jpeg' | 'ascii85-jpeg';
  /** Where the samples begin and the PostScript section ends. */
  dataStart: number;
  end: number;
  /** Photoshop's image resources, decoded from their hex. */
  photoshop?: Uint8Array;
}

const DOS_EPS = [0xc5, 0xd0, 0xd3, 0xc6];
const PS = '%!PS-Adobe-';

/** The PostScript section: the whole file, or the one a DOS EPS binary header points at. */
function section(b: Uint8Array): { start: number; end: number } | undefined {
  if (DOS_EPS.every((v, i) => b[i] === v)) {
    if (b.length < 30) return undefined;
    const view = viewOf(b);
    const start = view.getUint32(4, true);
    const length = view.getUint32(8, true);
    if (start < 30 || start + length > b.length) throw corrupt('EPS', 'PostScript section runs past the end');
    return { start, end: start + length };
  }
  return { start: 0, end: b.length };
}

const startsWith = (b: Uint8Array, at: number, text: string) => text.split('').every((ch, i) => b[at + i] === ch.charCodeAt(0));

export const isEps = (b: Uint8Array): boolean => {
  if (DOS_EPS.every((v, i) => b[i] === v)) return true;
  return startsWith(b, 0, PS) && new TextDecoder('latin1').decode(b.subarray(0, 64)).split(/[\r\n]/, 1)[0]!.includes('EPSF');
};

const MODES: Record<number, EpsHeader['pixelType']> = { 1: 'gray', 3: 'rgb', 4: 'cmyk' };
const CHANNELS = { gray: 1, rgb: 3, cmyk: 4 } as const;

/** Reads the header comments a line at a time (each a `step`) up to the line the data starts after. */
export function epsHeader(b: Uint8Array, step: Step = () => {}): EpsHeader {
  const s = section(b);
  if (!s) throw corrupt('EPS', 'binary header is truncated');
  let at = s.start;
  let fields: string[] | undefined;
  let begin: string | undefined;
  let photoshop: { bytes: Uint8Array; length: number } | undefined;
  let resources: Uint8Array | undefined;
  while (at < s.end) {
    step();
    let eol = at;
    while (eol < s.end && b[eol] !== 0x0a && b[eol] !== 0x0d) eol++;
    const lineStart = at;
    const line = new TextDecoder('latin1').decode(b.subarray(at, Math.min(eol, at + 512)));
    at = eol + (b[eol] === 0x0d && b[eol + 1] === 0x0a ? 2 : 1);
    if (photoshop) {
      if (line.startsWith('%EndPhotoshop')) {
        resources = photoshop.bytes.subarray(0, photoshop.length);
        photoshop = undefined;
      } else photoshop.length = hexInto(b, lineStart + 1, eol, photoshop);
      continue;
    }
    const announced = /^%BeginPhotoshop:\s*(\d+)/.exec(line);
    if (announced && !resources) {
      // What it announces, within what the rest of the file could hold as hex, bounds what is kept.
      photoshop = { bytes: new Uint8Array(Math.min(Number(announced[1]), Math.floor((s.end - at) / 2))), length: 0 };
      continue;
    }
    if (!fields) {
      // Photoshop writes it after the prolog and setup, just before the image's own program.
      if (line.startsWith('%ImageData:')) {
        const m = /^%ImageData:\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+"([^"]*)"/.exec(line);
        if (!m) throw corrupt('EPS', '%ImageData line is unreadable');
        fields = m.slice(1, 8);
        begin = m[8];
      }
      continue;
    }
    if (line.trim() === begin) return { ...image(b, fields, at, s.end), ...(resources ? { photoshop: resources } : {}) };
  }
  throw fields ? corrupt('EPS', `data start "${begin}" is missing`) : forbidden('EPS sources without Photoshop\'s %ImageData (PostScript drawings) are not supported');
}

function image(b: Uint8Array, fields: string[], dataStart: number, end: number): EpsHeader {
  const [width, height, depth, mode, pad, block, code] = fields.map(Number) as [number, number, number, number, number, number, number];
  if (width === 0 || height === 0) throw corrupt('EPS', 'zero dimensions');
  if (mode === 2) throw unsupported('EPS', 'Lab colour');
  const pixelType = MODES[mode];
  if (!pixelType) throw unsupported('EPS', `%ImageData mode ${mode}`);
  if (depth !== 8) throw unsupported('EPS', `${depth}-bit samples`);
  if (pad > 16) throw corrupt('EPS', `${pad} pad channels`);
  if (block !== 1 && block !== width) throw unsupported('EPS', `block size ${block}`);
  if (code < 1 || code > 6) throw unsupported('EPS', `encoding ${code}`);
  const encoding = encodingOf(b, code, dataStart, end);
  // The fewest bytes the samples can take in their encoding (ASCII85's "z" is four zero bytes).
  const samples = width * height * (CHANNELS[pixelType] + pad);
  const least = { binary: samples, hex: samples * 2, ascii85: samples / 4, jpeg: 0, 'ascii85-jpeg': 0 }[encoding];
  if (end - dataStart < least) throw corrupt('EPS', `data is too short for its ${width}x${height} image`);
  return { width, height, pixelType, channels: CHANNELS[pixelType], pad, lineInterleaved: block === width && width > 1, encoding, dataStart, end };
}

/** The hex digits of b[from, to) appended to `into` (up to its size); returns its new length. */
function hexInto(b: Uint8Array, from: number, to: number, into: { bytes: Uint8Array; length: number }): number {
  let n = into.length;
  let high = -1;
  for (let i = from; i < to && n < into.bytes.length; i++) {
    const c = b[i]!;
    const v = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x41 && c <= 0x46 ? c - 0x37 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1;
    if (v < 0) continue;
    if (high < 0) high = v;
    else {
      into.bytes[n++] = (high << 4) | v;
      high = -1;
    }
  }
  return n;
}

function encodingOf(b: Uint8Array, code: number, at: number, end: number): EpsHeader['encoding'] {
  while (at < end && (b[at] === 0x20 || b[at] === 0x0a || b[at] === 0x0d || b[at] === 0x09)) at++;
  if (b[at] === 0xff && b[at + 1] === 0xd8 && b[at + 2] === 0xff) return 'jpeg';
  if (code === 1) return 'binary';
  if (code === 2) return 'hex';
  // ASCII85 of a JPEG begins with the encoding of FF D8 FF: "s4I" and one more character.
  return startsWith(b, at, 's4I') ? 'ascii85-jpeg' : 'ascii85';
}
