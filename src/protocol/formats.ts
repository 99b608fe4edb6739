/**
 * Every output format in one table (in the spirit of imgproxy's imagetype registry): the fmt=
 * names that select it, its MIME type, the file extensions that mean it, whether it keeps alpha,
 * which encoder writes it and into which container metadata (ICC, resolution) goes, whether it
 * takes the gray and cmyk pixel types (the table of https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-is-http-fmt), and its compression
 * options. Every other place reads this table.
 */
export type OutputFormat =
  | 'jpeg' | 'pjpeg' | 'png' | 'png-alpha' | 'png8' | 'png8-alpha' | 'gif' | 'gif-alpha' | 'webp' | 'webp-alpha' | 'avif' | 'avif-alpha'
  | 'tif' | 'tif-alpha' | 'pdf' | 'jpeg2000' | 'jpeg2000-alpha' | 'eps';

type Encoder = 'jpeg' | 'png' | 'indexed' | 'tiff' | 'jpeg2000' | 'pdf' | 'webp' | 'avif' | 'eps';

export interface FormatSpec {
  /** fmt= spellings, lower case. */
  names: string[];
  mime: string;
  /** Extensions of the file name that mean this format (for `isle render -o`); none for variants. */
  extensions: string[];
  alpha: boolean;
  encoder: Encoder;
  /** Where printRes= and iccEmbed= are written: JPEG and PNG by their segments, TIFF and EPS by their writers; `other` writes neither. */
  container: 'jpeg' | 'png' | 'tiff' | 'eps' | 'other';
  /** fmt=<format>,gray is allowed. */
  gray: boolean;
  /** fmt=<format>,cmyk is allowed, and icc= may name a CMYK profile. */
  cmyk: boolean;
  /** fmt=<format>,<pixel type>,<compression> values. */
  compressions: string[];
}

export const FORMATS: Record<OutputFormat, FormatSpec> = {
  jpeg: { names: ['jpeg', 'jpg'], mime: 'image/jpeg', extensions: ['.jpg', '.jpeg'], alpha: false, encoder: 'jpeg', container: 'jpeg', gray: true, cmyk: true, compressions: [] },
  pjpeg: { names: ['pjpeg', 'pjpg'], mime: 'image/jpeg', extensions: [], alpha: false, encoder: 'jpeg', container: 'jpeg', gray: true, cmyk: false, compressions: [] },
  png: { names: ['png'], mime: 'image/png', extensions: ['.png'], alpha: false, encoder: 'png', container: 'png', gray: false, cmyk: false, compressions: [] },
  'png-alpha': { names: ['png-alpha'], mime: 'image/png', extensions: [], alpha: true, encoder: 'png', container: 'png', gray: false, cmyk: false, compressions: [] },
  png8: { names: ['png8'], mime: 'image/png', extensions: [], alpha: false, encoder: 'indexed', container: 'png', gray: false, cmyk: false, compressions: [] },
  'png8-alpha': { names: ['png8-alpha'], mime: 'image/png', extensions: [], alpha: true, encoder: 'indexed', container: 'png', gray: false, cmyk: false, compressions: [] },
  gif: { names: ['gif'], mime: 'image/gif', extensions: ['.gif'], alpha: false, encoder: 'indexed', container: 'other', gray: false, cmyk: false, compressions: [] },
  'gif-alpha': { names: ['gif-alpha'], mime: 'image/gif', extensions: [], alpha: true, encoder: 'indexed', container: 'other', gray: false, cmyk: false, compressions: [] },
  // The reference's format list spells webp-alpha "web-alpha" once, on the fmt= page.
  webp: { names: ['webp'], mime: 'image/webp', extensions: ['.webp'], alpha: false, encoder: 'webp', container: 'other', gray: false, cmyk: false, compressions: ['lossy', 'lossless'] },
  'webp-alpha': { names: ['webp-alpha', 'web-alpha'], mime: 'image/webp', extensions: [], alpha: true, encoder: 'webp', container: 'other', gray: false, cmyk: false, compressions: ['lossy', 'lossless'] },
  avif: { names: ['avif'], mime: 'image/avif', extensions: ['.avif'], alpha: false, encoder: 'avif', container: 'other', gray: false, cmyk: false, compressions: ['lossy', 'lossless'] },
  'avif-alpha': { names: ['avif-alpha'], mime: 'image/avif', extensions: [], alpha: true, encoder: 'avif', container: 'other', gray: false, cmyk: false, compressions: ['lossy', 'lossless'] },
  tif: { names: ['tif'], mime: 'image/tiff', extensions: ['.tif', '.tiff'], alpha: false, encoder: 'tiff', container: 'tiff', gray: true, cmyk: true, compressions: ['none', 'zip', 'lzw', 'jpeg'] },
  'tif-alpha': { names: ['tif-alpha'], mime: 'image/tiff', extensions: [], alpha: true, encoder: 'tiff', container: 'tiff', gray: false, cmyk: false, compressions: ['none', 'zip', 'lzw'] },
  pdf: { names: ['pdf'], mime: 'application/pdf', extensions: ['.pdf'], alpha: false, encoder: 'pdf', container: 'other', gray: true, cmyk: true, compressions: ['none', 'zip', 'jpeg'] },
  jpeg2000: { names: ['jpeg2000'], mime: 'image/jp2', extensions: ['.jp2'], alpha: false, encoder: 'jpeg2000', container: 'other', gray: true, cmyk: false, compressions: ['lossy', 'lossless'] },
  'jpeg2000-alpha': { names: ['jpeg2000-alpha'], mime: 'image/jp2', extensions: [], alpha: true, encoder: 'jpeg2000', container: 'other', gray: true, cmyk: false, compressions: ['lossy', 'lossless'] },
  // Binary EPS, as Photoshop writes it (image/eps is the fmt page's MIME type).
  eps: { names: ['eps'], mime: 'image/eps', extensions: ['.eps'], alpha: false, encoder: 'eps', container: 'eps', gray: true, cmyk: true, compressions: [] },
};

/** Formats of the reference that Isle does not encode (yet): named in the error so clients know. */
export const UNSUPPORTED_FORMATS: ReadonlySet<string> = new Set(['heic', 'jpegxr', 'jpegxr-alpha', 'swf', 'swf3', 'swf-alpha', 'swf3-alpha', 'f4m', 'm3u8']);

const BY_NAME = new Map(Object.entries(FORMATS).flatMap(([format, spec]) => spec.names.map((n) => [n, format as OutputFormat])));

/** The format an fmt= name selects, if any. */
export const formatNamed = (name: string): OutputFormat | undefined => BY_NAME.get(name);

/** The format a file extension (with its dot) means, if any. */
export const formatOfExtension = (extension: string): OutputFormat | undefined =>
  (Object.keys(FORMATS) as OutputFormat[]).find((f) => FORMATS[f].extensions.includes(extension.toLowerCase()));

/** Formats that keep transparency; the others are flattened on bgc / BkgColor. */
export const keepsAlpha = (format: OutputFormat) => FORMATS[format].alpha;
