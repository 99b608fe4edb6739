import { deflateSync } from '../common/zlib.ts';
import { lumaAt, type Pixels } from './pixels.ts';

/**
 * fmt=pdf: a single page holding the image, written here: jsPDF would bring html2canvas, canvg,
 * DOMPurify and core-js into the runtime tree for what these 40 lines do.
 */
export type PdfColors = 'rgb' | 'gray' | 'cmyk';

export interface PdfImage {
  width: number;
  height: number;
  /** JPEG bytes (DCTDecode), or RGB/grey/CMYK samples, deflated (FlateDecode) or raw. */
  data: Uint8Array;
  filter?: 'DCTDecode' | 'FlateDecode';
  colors: PdfColors;
  /** Print resolution: the page is width * 72 / dpi points wide. */
  dpi: number;
}

/** Opaque RGB, grey or CMYK samples of an image (CMYK pixels hold their inks), for a PDF image without a filter or with Flate. */
export function samples(image: Pixels, colors: PdfColors, deflate: boolean): Uint8Array {
  const n = image.width * image.height;
  const d = image.data;
  const channels = colors === 'gray' ? 1 : colors === 'cmyk' ? 4 : 3;
  const out = channels === 4 ? new Uint8Array(d.buffer, d.byteOffset, n * 4) : new Uint8Array(n * channels);
  if (channels === 1) for (let i = 0; i < n; i++) out[i] = lumaAt(d, i * 4);
  else if (channels === 3) for (let i = 0; i < n; i++) out.set(d.subarray(i * 4, i * 4 + 3), i * 3);
  return deflate ? deflateSync(out) : channels === 4 ? out.slice() : out;
}

const COLOR_SPACES: Record<PdfColors, string> = { rgb: 'DeviceRGB', gray: 'DeviceGray', cmyk: 'DeviceCMYK' };

export function writePdf(image: PdfImage): ArrayBuffer {
  const w = ((image.width * 72) / image.dpi).toFixed(2);
  const h = ((image.height * 72) / image.dpi).toFixed(2);
  const content = `q ${w} 0 0 ${h} 0 0 cm /Im0 Do Q\n`;
  const parts: (string | Uint8Array)[] = [];
  const offsets: number[] = [];
  let length = 0;
  const add = (part: string | Uint8Array) => {
    parts.push(part);
    length += typeof part === 'string' ? Buffer.byteLength(part, 'latin1') : part.length;
  };
  const object = (body: string | (string | Uint8Array)[]) => {
    offsets.push(length);
    add(`${offsets.length} 0 obj\n`);
    for (const p of Array.isArray(body) ? body : [body]) add(p);
    add('\nendobj\n');
  };
  add('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n');
  object('<< /Type /Catalog /Pages 2 0 R >>');
  object('<< /Type /Pages /Kids [3 0 R] /Count 1 >>');
  object(`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${w} ${h}] /Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>`);
  const filter = image.filter ? ` /Filter /${image.filter}` : '';
  // Isle's CMYK JPEGs store their inks inverted, as Adobe's marker says; PDF readers go by /Decode.
  const decode = image.filter === 'DCTDecode' && image.colors === 'cmyk' ? ' /Decode [1 0 1 0 1 0 1 0]' : '';
  object([
    `<< /Type /XObject /Subtype /Image /Width ${image.width} /Height ${image.height} /ColorSpace /${COLOR_SPACES[image.colors]} /BitsPerComponent 8${filter}${decode} /Length ${image.data.length} >>\nstream\n`,
    image.data,
    '\nendstream',
  ]);
  object(`<< /Length ${content.length} >>\nstream\n${content}endstream`);
  const xref = length;
  add(`xref\n0 ${offsets.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`);
  add(`trailer\n<< /Size ${offsets.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`);
  const bytes = Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : p)));
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
