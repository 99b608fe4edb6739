import { budgetOf } from '../protocol/account.ts';
import type { Intent } from '../protocol/request.ts';
import { parseProfile } from '../image/icc.ts';
import { outputKind, targetOf } from '../image/icc-pcs.ts';
import { naiveCmyk, separation, spaceTransform, transformTo, type Transform } from '../image/icc-transforms.ts';
import { RGB_SPACES } from '../image/rgb-spaces.ts';
import { extractIcc, extractXmp, sourceDensity } from '../image/metadata.ts';
import type { Pixels } from '../image/pixels.ts';
import type { TiffSamples } from '../image/tiff.ts';
import { pixelType, sniff } from '../planning/source-formats.ts';
import { decode } from './steps/codec.ts';
import { orient } from './steps/orient.ts';
import { wholeRows, type RowSource } from './pyramid-write.ts';
import { jpegRows } from './jpeg-rows.ts';
import { pngRows } from './png-rows.ts';
import { tiffRows } from './tiff-rows.ts';

/**
 * A source file as `isle convert` writes it: decoded whole by the server's decoders, turned upright,
 * its colours converted as ic's options say, with what the TIFF should carry (samples, profile, XMP,
 * resolution). CMYK becomes sRGB (through the source's profile, or the naive formula without one)
 * unless -maintainpixeltype keeps the inks; -viewprofile converts from the source's profile (the
 * embedded one, or -imageprofile's, which overrides it) to an RGB, CMYK or grey output profile.
 */
export interface ColorSettings {
  imageProfile?: Uint8Array;
  viewProfile?: Uint8Array;
  intent: Intent;
  bpc: boolean;
  maintainPixelType: boolean;
}

export interface ConvertSource {
  image: RowSource;
  /** The decoded image, unless it is read by rows. */
  pixels?: Pixels;
  samples: TiffSamples;
  /** The profile the pixels are in, when one is known. */
  icc?: Uint8Array;
  xmp?: Uint8Array;
  dpi?: number;
  /** What the decoder of a source read by rows holds besides its bands (a JPEG's: the file again, a progressive file's coefficients; a PNG's: a band's raw rows and the last band). */
  decoderBytes?: number;
}

/** A profile inflated from a PNG may be this large; the converter has no request to charge. */
const PROFILE_BUDGET = budgetOf({ inflated: 64 << 20, maxProfileBytes: 8 << 20 });

/** Whether any pixel is less than opaque: a source that can hold alpha but does not is written without it. */
function transparent(data: Uint8ClampedArray): boolean {
  for (let i = 3; i < data.length; i += 4) if (data[i]! < 255) return true;
  return false;
}

/** Whether the pixels are grey: a palette PNG has one component as the sniffer counts them, and is colour (IHDR's colour type, grey 0 or grey and alpha 4). */
function grey(info: ReturnType<typeof sniff>, bytes: Uint8Array): boolean {
  return info.format === 'png' ? bytes[25] === 0 || bytes[25] === 4 : pixelType(info) === 'gray';
}

export async function readConvertSource(bytes: Uint8Array, orientation: number, color: ColorSettings): Promise<ConvertSource> {
  const info = sniff(bytes);
  const type = pixelType(info);
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const decoded = await decode(file, info.format, 1, true, type === 'cmyk', false);
  const own = color.imageProfile ?? extractIcc(bytes, PROFILE_BUDGET);
  const source = own ? parseProfile(own) : undefined;
  const view = color.viewProfile ? parseProfile(color.viewProfile) : undefined;
  const alpha = decoded.alpha;
  let samples: TiffSamples = grey(info, bytes) ? 'gray' : 'rgb';
  let icc = own;
  const apply = (t: Transform) => t(decoded.data);
  if (type === 'cmyk' && color.maintainPixelType && !view) samples = 'cmyk';
  else if (type === 'cmyk') {
    apply(source ? transformTo(source, color.intent, undefined, color.bpc) : naiveCmyk);
    icc = undefined;
  }
  if (view && (source || type === 'cmyk')) {
    const kind = outputKind(view);
    if (kind === 'matrix') {
      // A CMYK source is sRGB by now.
      apply(type === 'cmyk' ? spaceTransform(RGB_SPACES.srgb, targetOf(view)) : transformTo(source!, color.intent, targetOf(view), color.bpc));
      samples = 'rgb';
    } else {
      // Into the view profile's device values from sRGB: the source's colours are made sRGB first.
      if (type !== 'cmyk' && source) apply(transformTo(source, color.intent, undefined, color.bpc));
      apply(separation(view, kind, color.intent, color.bpc));
      samples = kind === 'cmyk' ? 'cmyk' : kind === 'gray' ? 'gray' : 'rgb';
    }
    icc = color.viewProfile;
  }
  // A CMYK image's alpha was kept apart while its pixels held four inks; inks written as inks have no room for it.
  if (alpha && samples !== 'cmyk') for (let i = 0; i < alpha.length; i++) decoded.data[i * 4 + 3] = alpha[i]!;
  if (samples !== 'cmyk' && info.hasAlpha && transparent(decoded.data)) samples = 'rgba';
  const pixels = orient({ data: decoded.data, width: decoded.width, height: decoded.height }, orientation);
  return { image: wholeRows(pixels), pixels, samples, ...metadata(bytes, icc, info.dpi) };
}

function metadata(bytes: Uint8Array, icc: Uint8Array | undefined, headerDpi: number | undefined) {
  const xmp = extractXmp(bytes);
  const dpi = sourceDensity(bytes) ?? headerDpi;
  return { ...(icc ? { icc } : {}), ...(xmp ? { xmp: new TextEncoder().encode(xmp) } : {}), ...(dpi ? { dpi } : {}) };
}

/**
 * A TIFF, JPEG or PNG source read by rows, never decoded whole, when nothing needs the whole image:
 * upright, no colour conversion, a TIFF page tiff-rows.ts reads by rows, a JPEG our kernel decodes
 * in bands (jpeg-rows.ts; not CMYK) or a non-interlaced PNG (png-rows.ts). A TIFF's or PNG's alpha
 * (a PNG's alpha channel or tRNS) is written whenever the file has one (whether any pixel uses it
 * would take a pass over the whole image). A PNG's gAMA and cHRM are left as the whole decode leaves them.
 */
export function bandedSource(bytes: Uint8Array, orientation: number, color: ColorSettings): ConvertSource | undefined {
  const info = sniff(bytes);
  if (orientation !== 1 || color.viewProfile) return undefined;
  const icc = () => color.imageProfile ?? extractIcc(bytes, PROFILE_BUDGET);
  if (info.format === 'jpeg') {
    const type = pixelType(info);
    const rows = type === 'cmyk' ? undefined : jpegRows(bytes);
    if (!rows) return undefined;
    return { image: rows, samples: type === 'gray' ? 'gray' : 'rgb', decoderBytes: rows.decoderBytes, ...metadata(bytes, icc(), info.dpi) };
  }
  if (info.format === 'png') {
    const rows = pngRows(bytes);
    if (!rows) return undefined;
    const samples: TiffSamples = info.hasAlpha ? 'rgba' : grey(info, bytes) ? 'gray' : 'rgb';
    return { image: rows, samples, decoderBytes: rows.decoderBytes, ...metadata(bytes, icc(), info.dpi) };
  }
  if (info.format !== 'tiff') return undefined;
  const rows = tiffRows(bytes);
  if (!rows) return undefined;
  const { model, alphaSample } = rows.page;
  const samples: TiffSamples = alphaSample >= 0 ? 'rgba' : model === 'gray' ? 'gray' : 'rgb';
  return { image: rows, samples, ...metadata(bytes, icc(), undefined) };
}
