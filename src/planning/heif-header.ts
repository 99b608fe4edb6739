import type { SourceInfo, Walk } from './sniff.ts';
import { readHeader, type Box } from './avif-header.ts';
import { corrupt, viewOf } from './raster-header.ts';

/**
 * A HEIF's (HEIC's) header without decoding: the boxes AVIF's are (planning/avif-header.ts), the
 * primary item (one HEVC image, or a grid of them as phones write it) and its `ispe` size, then
 * what libheif applies as it decodes: the clean aperture's crop (`clap`), the rotation and the
 * mirror. So the size here is the decoded image's and no orientation step follows. Grey from the
 * HEVC configuration's chroma format; an ICC profile from its `colr` box (prof or rICC), as AVIF's.
 */
const F = 'HEIF';
const BRANDS = ['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'mif1', 'msf1'];
const ascii = (b: Uint8Array, at: number) => String.fromCharCode(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!);

/** An ftyp naming a HEIF brand (AVIF's files, which name mif1 too, are recognised before: source-formats.ts). */
export function isHeif(b: Uint8Array): boolean {
  if (b.length < 16 || ascii(b, 4) !== 'ftyp') return false;
  const end = Math.min(b.length, viewOf(b).getUint32(0));
  for (let at = 8; at + 4 <= end; at += 4) if (at !== 12 && BRANDS.includes(ascii(b, at))) return true;
  return false;
}

/** The clean aperture's size (ISO/IEC 14496-12 12.1.4), rounded as libheif rounds it, within the image. */
function aperture(b: Uint8Array, clap: Box | undefined, width: number, height: number): { width: number; height: number } {
  if (!clap) return { width, height };
  if (clap.end - clap.start < 32) throw corrupt(F, 'clap box is truncated');
  const view = viewOf(b);
  const side = (at: number) => {
    const n = view.getUint32(clap.start + at);
    const d = view.getUint32(clap.start + at + 4);
    if (d === 0) throw corrupt(F, 'clean aperture of a zero denominator');
    return Math.floor((n + Math.floor(d / 2)) / d);
  };
  const w = side(0);
  const h = side(8);
  if (w < 1 || h < 1 || w > width || h > height) throw corrupt(F, `clean aperture of ${w}x${h} in a ${width}x${height} image`);
  return { width: w, height: h };
}

export function sniffHeif(b: Uint8Array, walk: Walk): SourceInfo {
  const h = readHeader(b, () => walk.step(), F);
  const size = aperture(b, h.properties.find((p) => p.type === 'clap'), h.width, h.height);
  const turned = h.orientation >= 5;
  const hvcc = h.properties.find((p) => p.type === 'hvcC');
  const grey = !!hvcc && hvcc.end - hvcc.start > 16 && (b[hvcc.start + 16]! & 3) === 0;
  return {
    format: 'heif',
    width: turned ? size.height : size.width,
    height: turned ? size.width : size.height,
    components: grey ? 1 : 3,
    hasAlpha: h.alpha,
    // libheif delivers 8 bits a channel, whatever the file holds.
    bitDepth: 8,
    hasIcc: h.icc,
    hasXmp: false,
  };
}
