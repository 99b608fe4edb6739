import type { Pixels } from '../image/pixels.ts';
import { readTiffPage, type TiffPage } from '../planning/tiff-header.ts';
import type { RowSource } from './pyramid-write.ts';
import { decodeChunk, placeChunk, type Chunk } from './tiff-decode.ts';

/**
 * A TIFF's first page read by rows, for `isle convert`: each band decodes only the strips or rows of
 * tiles it touches (those of the last band asked are kept, as consecutive bands share them), placed
 * by the reader's own placeChunk. Pages whose decode needs the whole image (CMYK, whose alpha waits
 * for the colour step; associated alpha, made straight over the whole image) are undefined here.
 */
export function tiffRows(file: Uint8Array): (RowSource & { page: TiffPage }) | undefined {
  const page = readTiffPage(file);
  if (page.model === 'cmyk' || page.premultiplied) return undefined;
  let kept: { row: number; chunks: Chunk[] } | undefined;
  const chunkRow = async (row: number): Promise<Chunk[]> => {
    if (kept?.row !== row) {
      const chunks: Chunk[] = [];
      for (let col = 0; col < page.across; col++) {
        // A JPEG chunk is a view into its decoder's memory, which the next decode reuses: kept, it is copied.
        const chunk = await decodeChunk(file, page, row * page.across + col);
        chunks.push('rgba' in chunk ? { ...chunk, rgba: chunk.rgba.slice() } : chunk);
      }
      kept = { row, chunks };
    }
    return kept.chunks;
  };
  return {
    page,
    width: page.width,
    height: page.height,
    async rows(y0: number, y1: number): Promise<Pixels> {
      const data = new Uint8ClampedArray((y1 - y0) * page.width * 4);
      for (let row = Math.floor(y0 / page.chunkHeight); row * page.chunkHeight < y1; row++) {
        for (const chunk of await chunkRow(row)) placeChunk(page, within(chunk, y0, y1, page.samples), data);
      }
      return { data, width: page.width, height: y1 - y0 };
    },
  };
}

/** The chunk's rows that lie in y0..y1, placed as if the band were the image (its first row 0). */
function within(chunk: Chunk, y0: number, y1: number, samples: number): Chunk {
  const first = Math.max(0, y0 - chunk.y);
  const last = Math.min(chunk.rows, y1 - chunk.y);
  const y = chunk.y + first - y0;
  if ('rgba' in chunk) return { x: chunk.x, y, width: chunk.width, rows: last - first, rgba: chunk.rgba.subarray(first * chunk.width * 4, last * chunk.width * 4) };
  const perRow = chunk.width * samples;
  return { x: chunk.x, y, width: chunk.width, rows: last - first, samples: chunk.samples.subarray(first * perRow, last * perRow) };
}
