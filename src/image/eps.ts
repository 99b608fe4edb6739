/**
 * fmt=eps: binary Encapsulated PostScript as Photoshop writes it, so the readers of Photoshop's EPS
 * (Photoshop, InDesign, Isle's own EPS source reader) take the pixels from `%ImageData` without
 * running PostScript, and a PostScript interpreter draws the same samples. No DOS binary header:
 * it exists to carry a TIFF or WMF preview, and Isle writes none (docs/compatibility.md).
 */
export type EpsColors = 'rgb' | 'gray' | 'cmyk';

export interface EpsImage {
  width: number;
  height: number;
  /** Pixel-interleaved samples: 1, 3 or 4 (CMYK inks) a pixel. */
  samples: Uint8Array;
  colors: EpsColors;
  /** Print resolution: the bounding box is width * 72 / dpi points wide. */
  dpi: number;
  /** iccEmbed=1: the profile, in the %%BeginICCProfile comment Photoshop writes. */
  icc?: Uint8Array;
}

const SPACES: Record<EpsColors, { mode: number; space: string; channels: number }> = {
  gray: { mode: 1, space: '/DeviceGray', channels: 1 },
  rgb: { mode: 3, space: '/DeviceRGB', channels: 3 },
  cmyk: { mode: 4, space: '/DeviceCMYK', channels: 4 },
};

/** DSC comment lines of hex, as Photoshop writes its profile and resources. */
function hexComment(bytes: Uint8Array): string[] {
  const hex = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex').toUpperCase();
  const lines: string[] = [];
  for (let i = 0; i < hex.length; i += 64) lines.push(`% ${hex.slice(i, i + 64)}`);
  return lines;
}

export function writeEps(image: EpsImage): ArrayBuffer {
  const { width: w, height: h, dpi } = image;
  const { mode, space, channels } = SPACES[image.colors];
  if (image.samples.length !== w * h * channels) throw new Error(`EPS samples: ${image.samples.length} bytes for ${w}x${h}x${channels}`);
  const points = (px: number) => (px * 72) / dpi;
  const pw = points(w);
  const ph = points(h);
  const round = (v: number) => Number(v.toFixed(3));
  const head = [
    '%!PS-Adobe-3.0 EPSF-3.0',
    '%%Creator: Isle',
    `%%BoundingBox: 0 0 ${Math.ceil(pw - 1e-9)} ${Math.ceil(ph - 1e-9)}`,
    `%%HiResBoundingBox: 0 0 ${round(pw)} ${round(ph)}`,
    '%%LanguageLevel: 2',
    '%%DocumentData: Binary',
    '%%EndComments',
    '%%BeginProlog',
    '%%EndProlog',
    ...(image.icc ? [`%%BeginICCProfile: (Isle output) -1 Hex`, ...hexComment(image.icc), '%%EndICCProfile'] : []),
    // Columns, rows, depth, mode, pad channels, block size 1 (interleaved by pixel), encoding 1
    // (binary), and the line after which the samples start.
    `%ImageData: ${w} ${h} 8 ${mode} 0 1 1 "beginimage"`,
    'gsave',
    `${round(pw)} ${round(ph)} scale`,
    `/beginimage { ${space} setcolorspace << /ImageType 1 /Width ${w} /Height ${h} /BitsPerComponent 8`,
    `  /Decode [${Array(channels).fill('0 1').join(' ')}] /ImageMatrix [${w} 0 0 -${h} 0 ${h}] /DataSource currentfile >> image } def`,
    // The count covers the line that starts the data, as Photoshop counts it.
    `%%BeginBinary: ${'beginimage\n'.length + image.samples.length}`,
    'beginimage',
    '',
  ].join('\n');
  const tail = '\n%%EndBinary\ngrestore\n%%Trailer\n%%EOF\n';
  const file = Buffer.concat([Buffer.from(head, 'latin1'), image.samples, Buffer.from(tail, 'latin1')]);
  return file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength) as ArrayBuffer;
}
