import type { FileHandle } from 'node:fs/promises';
import { forbidden } from '../protocol/errors.ts';
import type { RegionRead } from '../planning/plan.ts';
import { pageAt, type TiffPage } from '../planning/tiff-header.ts';
import { corruptTiff, isTiff, MAX_DIRECTORIES, MAX_HEADER_BYTES, readContainer, SUB_IFD_TYPES, SUB_IFDS, TYPE_SIZES, type TiffEntry } from '../planning/tiff-ifd.ts';

/**
 * A TIFF read by range, never whole: its header (every directory, the SubIFDs, their out-of-line
 * values) gathered into a file of its own, laid out afresh, whose strip and tile offsets still point
 * into the source (planning/tiff-ifd.ts reads it with the source's size); and for a render, that
 * header with the strips or tiles its region touches appended and pointed at, the others marked
 * absent (offset and count 0), which the worker decodes as it would the whole file.
 */

/** `length` bytes at `offset`, or the header's refusal (the whole file's walk's words) when the file ends first. */
async function bytesAt(file: FileHandle, offset: number, length: number, size: number, what = 'a TIFF header past the end of the file'): Promise<Uint8Array> {
  if (offset + length > size) throw corruptTiff(what);
  const out = Buffer.alloc(length);
  const { bytesRead } = await file.read(out, 0, length, offset);
  if (bytesRead < length) throw corruptTiff('the TIFF file ended while its header was read');
  return out;
}

interface Directory {
  at: number;
  /** The count, the entries and the next directory's offset, as in the file. */
  block: Uint8Array;
  /** Out-of-line values by entry index. */
  values: Map<number, Uint8Array>;
  /** The SubIFDs' offsets, when the directory has any. */
  subs: number[];
  next: number;
}

/**
 * The header of a TIFF file as a file of its own, or undefined when the file is not a TIFF. Bounded
 * as planning/tiff-ifd.ts bounds a whole file's walk (directories, loops, header bytes), with the
 * same refusals, before any byte past them is read.
 */
export async function readTiffHeader(file: FileHandle, size: number): Promise<Uint8Array | undefined> {
  if (size < 8) return undefined;
  const head = await bytesAt(file, 0, Math.min(16, size), size);
  if (!isTiff(head)) return undefined;
  const le = head[0] === 0x49;
  const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
  const big = view(head).getUint16(2, le) === 43;
  if (big && (head.length < 16 || view(head).getUint16(4, le) !== 8 || view(head).getUint16(6, le) !== 0)) throw corruptTiff('a bad BigTIFF header');
  const word = (v: DataView, at: number) => (big ? Number(v.getBigUint64(at, le)) : v.getUint32(at, le));
  const countBytes = big ? 8 : 2;
  const entryBytes = big ? 20 : 12;
  const inline = big ? 8 : 4;
  const directories: Directory[] = [];
  const seen = new Set<number>();
  let total = 0;
  const chain = async (first: number) => {
    for (let at = first; at !== 0; ) {
      if (seen.has(at)) throw corruptTiff('the TIFF directories form a loop');
      if (directories.length === MAX_DIRECTORIES) throw forbidden(`The TIFF source has more than ${MAX_DIRECTORIES} image directories`);
      seen.add(at);
      const countView = view(await bytesAt(file, at, countBytes, size, 'an image directory past the end of the TIFF file'));
      const count = big ? Number(countView.getBigUint64(0, le)) : countView.getUint16(0, le);
      const length = countBytes + count * entryBytes + inline;
      if (at + length > size) throw corruptTiff('an image directory runs past the end of the TIFF file');
      total += length;
      if (total > MAX_HEADER_BYTES) throw forbidden(`The TIFF source's directories take more than ${MAX_HEADER_BYTES} bytes`);
      const block = await bytesAt(file, at, length, size);
      const v = view(block);
      const dir: Directory = { at, block, values: new Map(), subs: [], next: word(v, length - inline) };
      for (let i = 0; i < count; i++) {
        const e = countBytes + i * entryBytes;
        const unit = TYPE_SIZES[v.getUint16(e + 2, le)];
        if (unit === undefined) continue;
        const n = word(v, e + 4);
        const bytes = n * unit;
        const field = e + (big ? 12 : 8);
        let values = block.subarray(field, field + bytes);
        if (bytes > inline) {
          const from = word(v, field);
          if (from + bytes > size) throw corruptTiff(`the values of TIFF tag ${v.getUint16(e, le)} lie past the end of the file`);
          total += bytes;
          if (total > MAX_HEADER_BYTES) throw forbidden(`The TIFF source's directories take more than ${MAX_HEADER_BYTES} bytes`);
          values = await bytesAt(file, from, bytes, size);
          dir.values.set(i, values);
        }
        if (v.getUint16(e, le) === SUB_IFDS && SUB_IFD_TYPES.has(v.getUint16(e + 2, le))) {
          const w = view(values);
          for (let k = 0; k < Math.min(n, MAX_DIRECTORIES + 1); k++) dir.subs.push(unit === 8 ? Number(w.getBigUint64(k * 8, le)) : w.getUint32(k * 4, le));
        }
      }
      directories.push(dir);
      at = dir.next;
    }
  };
  const first = word(view(head), big ? 8 : 4);
  if (first === 0) throw corruptTiff('a TIFF file without an image directory');
  await chain(first);
  for (const page of directories.slice()) for (const sub of page.subs) await chain(sub);
  return layOut(directories, { le, big, countBytes, entryBytes, inline });
}

/** The directories in a file of their own, in the order read, every offset of the structure made new. */
function layOut(directories: Directory[], f: { le: boolean; big: boolean; countBytes: number; entryBytes: number; inline: number }): Uint8Array {
  const even = (n: number) => n + (n & 1);
  const place = new Map<number, number>();
  let end = f.big ? 16 : 8;
  const valueAt: Map<number, number>[] = [];
  for (const dir of directories) {
    place.set(dir.at, end);
    end = even(end + dir.block.length);
    const at = new Map<number, number>();
    for (const [i, values] of dir.values) {
      at.set(i, end);
      end = even(end + values.length);
    }
    valueAt.push(at);
  }
  const out = new Uint8Array(end);
  const v = new DataView(out.buffer);
  const put = (at: number, value: number) => (f.big ? v.setBigUint64(at, BigInt(value), f.le) : v.setUint32(at, value, f.le));
  out.set(f.le ? [0x49, 0x49] : [0x4d, 0x4d]);
  v.setUint16(2, f.big ? 43 : 42, f.le);
  if (f.big) v.setUint16(4, 8, f.le);
  put(f.big ? 8 : 4, place.get(directories[0]!.at)!);
  directories.forEach((dir, d) => {
    const base = place.get(dir.at)!;
    out.set(dir.block, base);
    for (const [i, values] of dir.values) {
      out.set(values, valueAt[d]!.get(i)!);
      put(base + f.countBytes + i * f.entryBytes + (f.big ? 12 : 8), valueAt[d]!.get(i)!);
    }
    put(base + dir.block.length - f.inline, place.get(dir.next) ?? 0);
    const count = (dir.block.length - f.countBytes - f.inline) / f.entryBytes;
    for (let i = 0; i < count; i++) {
      const e = base + f.countBytes + i * f.entryBytes;
      if (v.getUint16(e, f.le) !== SUB_IFDS || !SUB_IFD_TYPES.has(v.getUint16(e + 2, f.le))) continue;
      const unit = TYPE_SIZES[v.getUint16(e + 2, f.le)]!;
      const n = f.big ? Number(v.getBigUint64(e + 4, f.le)) : v.getUint32(e + 4, f.le);
      const values = valueAt[d]!.get(i) ?? e + (f.big ? 12 : 8);
      for (let k = 0; k < n; k++) {
        const at = values + k * unit;
        const old = unit === 8 ? Number(v.getBigUint64(at, f.le)) : v.getUint32(at, f.le);
        if (unit === 8) v.setBigUint64(at, BigInt(place.get(old) ?? 0), f.le);
        else v.setUint32(at, place.get(old) ?? 0, f.le);
      }
    }
  });
  return out;
}

/** Reads `length` bytes at `position` of a file into `into` from `at`: the bytes read. */
export type ReadAt = (into: Uint8Array, at: number, length: number, position: number) => Promise<number>;

interface ParsedPage {
  page: TiffPage;
  offsets: TiffEntry;
  counts: TiffEntry;
  littleEndian: boolean;
}

/**
 * A header's pages as readTiffRegion needs them, parsed once per kept header (the source-header
 * cache's own array, so they go when it does): a zoom viewer asks for hundreds of tiles of one page,
 * and a 200 MP level's offsets took a tenth of a millisecond to parse again for each.
 */
const parsedPages = new WeakMap<Uint8Array, Map<number, ParsedPage>>();

/** Pages of more strips or tiles are parsed for each request: their arrays would outweigh the header the cache counts. */
const MAX_KEPT_CHUNKS = 65_536;

function pageOf(header: Uint8Array, directory: number, size: number): ParsedPage {
  let pages = parsedPages.get(header);
  if (!pages) parsedPages.set(header, (pages = new Map()));
  let parsed = pages.get(directory);
  if (!parsed) {
    const c = readContainer(header, undefined, size);
    const page = pageAt(c, directory);
    const dir = c.directories[directory]!;
    parsed = { page, offsets: dir.get(page.tiled ? 324 : 273)!, counts: dir.get(page.tiled ? 325 : 279)!, littleEndian: c.littleEndian };
    if (page.offsets.length <= MAX_KEPT_CHUNKS) pages.set(directory, parsed);
  }
  return parsed;
}

/**
 * The file a render of `read` takes to its worker: the header, then the strips or tiles the rect
 * touches (every plane's), read by range; the others absent. Undefined when the header's offsets are
 * 16-bit values that could not point past 64 KiB (the caller reads the whole file then). `charge`
 * takes the bytes of those strips or tiles before they are read (a hostile file's counts may claim
 * the whole file for each).
 */
export async function readTiffRegion(readAt: ReadAt, header: Uint8Array, size: number, read: RegionRead, charge: (bytes: number) => void): Promise<Uint8Array | undefined> {
  const { page, offsets, counts, littleEndian } = pageOf(header, read.directory, size);
  // Tiles shrunk as decoded: the rect's span of the full page.
  const f = read.shrink ?? 1;
  const rect = { x: read.rect.x * f, y: read.rect.y * f, width: Math.min(page.width, (read.rect.x + read.rect.width) * f) - read.rect.x * f, height: Math.min(page.height, (read.rect.y + read.rect.height) * f) - read.rect.y * f };
  const planes = page.planar === 2 ? page.samples : 1;
  const needed: number[] = [];
  for (let s = 0; s < planes; s++) {
    for (let ty = Math.floor(rect.y / page.chunkHeight); ty <= Math.floor((rect.y + rect.height - 1) / page.chunkHeight); ty++) {
      for (let tx = Math.floor(rect.x / page.chunkWidth); tx <= Math.floor((rect.x + rect.width - 1) / page.chunkWidth); tx++) needed.push(s * page.across * page.down + ty * page.across + tx);
    }
  }
  const length = needed.reduce((sum, t) => sum + page.counts[t]!, 0);
  if ((offsets.type === 3 && header.length + length > 0xffff) || (counts.type === 3 && needed.some((t) => page.counts[t]! > 0xffff))) return undefined;
  charge(length);
  const out = new Uint8Array(header.length + length);
  out.set(header);
  const place = new Map<number, number>();
  let end = header.length;
  for (const t of needed) {
    place.set(t, end);
    const bytesRead = await readAt(out, end, page.counts[t]!, page.offsets[t]!);
    if (bytesRead < page.counts[t]!) throw corruptTiff('a TIFF strip or tile lies past the end of the file');
    end += page.counts[t]!;
  }
  const v = new DataView(out.buffer);
  const write = (entry: typeof offsets, i: number, value: number) => {
    const at = entry.at + i * TYPE_SIZES[entry.type]!;
    if (entry.type === 3) v.setUint16(at, value, littleEndian);
    else if (TYPE_SIZES[entry.type] === 8) v.setBigUint64(at, BigInt(value), littleEndian);
    else v.setUint32(at, value, littleEndian);
  };
  for (let i = 0; i < page.offsets.length; i++) {
    const at = place.get(i);
    write(offsets, i, at ?? 0);
    write(counts, i, at === undefined ? 0 : page.counts[i]!);
  }
  return out;
}
