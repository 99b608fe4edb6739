import { deflateSync } from 'node:zlib';
import UTIF from 'utif2';
import type { Pixels } from './pixels.ts';

/**
 * fmt=tif and fmt=pdf. TIFF is written by utif2 (uncompressed RGBA, its one mode). The PDF is a
 * single page holding the image, written here: jsPDF would bring html2canvas, canvg, DOMPurify
 * and core-js into the runtime tree for what these 40 lines do.
 */
export function encodeTiff(image: Pixels): ArrayBuffer {
  return UTIF.encodeImage(new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.length), image.width, image.height);
}

export interface PdfImage {
  width: number;
  height: number;
  /** JPEG bytes (DCTDecode), or RGB/grey samples, deflated (FlateDecode) or raw. */
  data: Uint8Array;
  filter?: 'DCTDecode' | 'FlateDecode';
  gray: boolean;
  /** Print resolution: the page is width * 72 / dpi points wide. */
  dpi: number;
}

/** Opaque RGB (or grey) samples of an image, for a PDF image without a filter or with Flate. */
export function samples(image: Pixels, gray: boolean, deflate: boolean): Uint8Array {
  const n = image.width * image.height;
  const out = new Uint8Array(n * (gray ? 1 : 3));
  const d = image.data;
  for (let i = 0; i < n; i++) {
    if (gray) out[i] = Math.round(d[i * 4]! * 0.299 + d[i * 4 + 1]! * 0.587 + d[i * 4 + 2]! * 0.114);
    else out.set(d.subarray(i * 4, i * 4 + 3), i * 3);
  }
  return deflate ? deflateSync(out) : out;
}

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
  object([
    `<< /Type /XObject /Subtype /Image /Width ${image.width} /Height ${image.height} /ColorSpace /${image.gray ? 'DeviceGray' : 'DeviceRGB'} /BitsPerComponent 8${filter} /Length ${image.data.length} >>\nstream\n`,
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
