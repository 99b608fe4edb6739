import { forbidden, IsError } from '../../protocol/errors.ts';
import { FORMATS } from '../../protocol/formats.ts';
import type { OutputSpec, Rect } from '../../protocol/request.ts';
import { DamagedSource, decodeAvif, decodeHeif, decodeJpeg, decodeJpegBanded, decodeJxl, decodePng, encodeAvif, encodeJpeg, encodeJpeg2000, encodePng, encodeWebp } from '../../image/wasm-codecs.ts';
import type { Pixels } from '../../image/pixels.ts';
import type { Shrink } from '../../planning/shrink.ts';
import type { RegionRead } from '../../planning/plan.ts';
import { encodeIndexed } from '../../image/indexed.ts';
import { samples, writePdf } from '../../image/documents.ts';
import { encodeTiff } from '../../image/tiff.ts';
import { writeEps } from '../../image/eps.ts';
import { jpeg2000Ratio } from '../../image/jpeg2000.ts';
import { DamagedTiff } from '../../image/tiff-codecs.ts';
import { Walk, type SourceFormat } from '../../planning/sniff.ts';
import { sniffJxl } from '../../planning/jxl-header.ts';
import { sniffHeif } from '../../planning/heif-header.ts';
import { decodeTiff } from '../tiff-decode.ts';
import { decodePsd } from '../psd-decode.ts';
import { decodeGif } from '../gif-decode.ts';
import { decodeBmp } from '../bmp-decode.ts';
import { decodeWebpSource } from '../webp-decode.ts';
import { decodeEps } from '../eps-decode.ts';
import { ownBuffer } from '../../image/bytes.ts';
import { crop } from './crop.ts';

/**
 * A rect of a JPEG at full size (a region read): band by band where our kernel takes the file, else
 * the whole frame as decodeJpeg decodes it, and the rect cut from that.
 */
async function decodeJpegRegion(bytes: ArrayBuffer, rect: Rect, cmyk: boolean): Promise<Pixels> {
  const banded = decodeJpegBanded(bytes, rect);
  if (banded) return banded;
  const whole = await decodeJpeg(bytes, 1, true, cmyk);
  if (rect.x + rect.width > whole.width || rect.y + rect.height > whole.height) throw new DamagedSource('The source image is corrupt: its header and its data disagree on the size');
  return crop(whole, rect);
}

/** The decoder of each source format (planning/source-formats.ts). */
/** `decodedPixels`: what the decoder decoded when not the image's own size (a TIFF's whole tiles about a region). */
type Decoded = Pixels & { wide?: Uint16Array; alpha?: Uint8Array; decodedPixels?: number };
const DECODERS: Record<SourceFormat, (bytes: ArrayBuffer, shrink: Shrink, fullDecode: boolean, cmyk: boolean, wide: boolean, read?: RegionRead) => Promise<Decoded> | Decoded> = {
  jpeg: (bytes, shrink, fullDecode, cmyk, _wide, read) => (read ? decodeJpegRegion(bytes, read.rect, cmyk) : decodeJpeg(bytes, shrink, fullDecode, cmyk)),
  png: (bytes, _shrink, _full, _cmyk, wide) => decodePng(bytes, wide),
  tiff: (bytes, shrink, fullDecode, _cmyk, wide, read) => decodeTiff(bytes, wide, read, shrink, fullDecode),
  psd: (bytes, _shrink, _full, _cmyk, wide) => decodePsd(new Uint8Array(bytes), wide),
  gif: (bytes) => decodeGif(new Uint8Array(bytes)),
  bmp: (bytes) => decodeBmp(new Uint8Array(bytes)),
  webp: (bytes) => decodeWebpSource(new Uint8Array(bytes)),
  avif: (bytes) => decodeAvif(new Uint8Array(bytes)),
  eps: (bytes) => decodeEps(new Uint8Array(bytes)),
  jxl: (bytes) => {
    const b = new Uint8Array(bytes);
    return decodeJxl(b, sniffJxl(b, new Walk(undefined)).premultiplied === true);
  },
  heif: (bytes) => {
    const b = new Uint8Array(bytes);
    const { width, height } = sniffHeif(b, new Walk(undefined));
    return decodeHeif(b, width, height);
  },
};

/**
 * Decodes; a JPEG at 1/shrink of its size when the file allows (see planning/shrink.ts); a TIFF's `read`, its rect of one level alone; a 16-bit PNG's,
 * TIFF's or PSD's colours whole too with `wide`; a CMYK TIFF's or PSD's alpha apart (`alpha`), as its pixels hold four inks.
 */
export async function decode(bytes: ArrayBufferLike, format: SourceFormat, shrink: Shrink = 1, fullDecode = true, cmyk = false, wide = false, read?: RegionRead): Promise<Decoded> {
  try {
    // Our JPEG kernel copies a file into its own memory, whatever memory it lies in: a shared one
    // (the source cache's) is not copied first, 0.2 ms of the standard job. The rest get their own.
    if (format === 'jpeg' && !read) return await decodeJpeg(bytes, shrink, fullDecode, cmyk);
    return await DECODERS[format](ownBuffer(bytes), shrink, fullDecode, cmyk, wide, read);
  } catch (err) {
    if (err instanceof WebAssembly.RuntimeError) throw err; // a trap: the pool recycles the worker
    if (err instanceof IsError) throw err;
    if (err instanceof DamagedSource || err instanceof DamagedTiff) throw forbidden(err.message);
    throw forbidden('The source image could not be decoded (corrupt or unsupported)');
  }
}

/** jpegSize=: the highest quality up to qlt whose file fits, by bisection; an error if none does. */
async function fitJpeg(at: (quality: number) => Promise<ArrayBuffer>, quality: number, maxBytes: number): Promise<ArrayBuffer> {
  let best = await at(quality);
  if (best.byteLength <= maxBytes) return best;
  let low = 1;
  let high = quality - 1;
  let found: ArrayBuffer | undefined;
  while (low <= high) {
    const mid = (low + high) >> 1;
    best = await at(mid);
    if (best.byteLength <= maxBytes) {
      found = best;
      low = mid + 1;
    } else high = mid - 1;
  }
  if (!found) throw forbidden('jpegSize: the image does not fit in that size even at quality 1');
  return found;
}

/**
 * The reply's bytes. A CMYK reply's pixels hold their inks already (`separate` in steps/icc.ts); `icc` is the
 * profile a TIFF or EPS carries (JPEG and PNG get theirs in pipeline.ts, after encoding).
 */
export async function encode(image: Pixels, output: OutputSpec, icc?: Uint8Array): Promise<ArrayBuffer> {
  const { alpha, encoder } = FORMATS[output.format];
  const { gray, cmyk } = output;
  const colors = gray ? 'gray' : cmyk ? 'cmyk' : 'rgb';
  switch (encoder) {
    case 'jpeg': {
      const at = (quality: number) => encodeJpeg(image, { quality, fullChroma: output.fullChroma, gray, cmyk, progressive: output.format === 'pjpeg' });
      return output.maxKilobytes === undefined ? at(output.quality) : fitJpeg(at, output.quality, output.maxKilobytes * 1024);
    }
    case 'indexed':
      return encodeIndexed(image, output);
    case 'tiff':
      return encodeTiff(image, {
        samples: alpha ? 'rgba' : colors,
        compression: output.tiffCompression,
        quality: output.quality,
        fullChroma: output.fullChroma,
        dpi: output.printRes ?? 72,
        ...(icc ? { icc } : {}),
      });
    case 'eps':
      return writeEps({ ...image, samples: samples(image, colors, false), colors, dpi: output.printRes ?? 72, ...(icc ? { icc } : {}) });
    case 'jpeg2000':
      return encodeJpeg2000(image, { gray, alpha, ...(output.lossless ? {} : { ratio: jpeg2000Ratio(output.quality, image.width * image.height * ((gray ? 1 : 3) + (alpha ? 1 : 0))) }) });
    case 'pdf': {
      const dpi = output.printRes ?? 72;
      if (output.pdfCompression === 'jpeg') {
        const jpeg = await encodeJpeg(image, { quality: output.quality, fullChroma: output.fullChroma, gray, cmyk });
        return writePdf({ ...image, data: new Uint8Array(jpeg), filter: 'DCTDecode', colors, dpi });
      }
      const zip = output.pdfCompression === 'zip';
      return writePdf({ ...image, data: samples(image, colors, zip), filter: zip ? 'FlateDecode' : undefined, colors, dpi });
    }
    case 'webp':
      return encodeWebp(image, output);
    case 'avif':
      return encodeAvif(image, output);
    case 'png':
      return encodePng(image, { alpha, level: output.pngLevel });
  }
}
