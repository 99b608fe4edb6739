import { forbidden } from '../protocol/errors.ts';

/**
 * The TIFF container (TIFF 6.0, and BigTIFF): the chain of image file directories (IFDs), the
 * SubIFDs (tag 330) of its pages, and their entries, read without touching image data. Bounded,
 * because a hostile chain is cheap to write: at most MAX_DIRECTORIES directories, MAX_CHUNKS strips
 * or tiles and MAX_HEADER_BYTES of directories and out-of-line values in all, a loop or any value
 * past the end of the file refused. Values are read on demand from where the entry says they are.
 */
export const MAX_DIRECTORIES = 64;
export const MAX_CHUNKS = 1_048_576;
/** A pyramid of 1,048,576 tiles lists their offsets and counts in 8 MiB (16 MiB as BigTIFF's 8-byte values). */
export const MAX_HEADER_BYTES = 16 * 1024 * 1024;
export const SUB_IFDS = 330;

/** Bytes of one value of each field type (TIFF 6.0 section 2, BigTIFF's 16-18). */
/**
 * The types a SubIFDs tag may have (LONG, IFD, and BigTIFF's LONG8, IFD8); one of another type is
 * ignored, by the whole-file walk and the range reader (inputs/tiff-ranges.ts) alike.
 */
export const SUB_IFD_TYPES = new Set([4, 13, 16, 18]);

export const TYPE_SIZES: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4, 16: 8, 17: 8, 18: 8 };

export interface TiffEntry {
  type: number;
  count: number;
  /** Where the values start in the file. */
  at: number;
}

export interface TiffContainer {
  bytes: Uint8Array;
  view: DataView;
  littleEndian: boolean;
  bigTiff: boolean;
  /** The main chain's directories (the pages), then the SubIFDs of each page. */
  directories: Map<number, TiffEntry>[];
  /** How many of `directories` are the main chain's. */
  pages: number;
  /** Bytes of directories and of their out-of-line values. */
  headerBytes: number;
  /**
   * The size of the file the strips and tiles are in: `bytes`' own, or the whole file's when `bytes`
   * holds its header alone (inputs/tiff-ranges.ts reads the rest by range).
   */
  fileSize: number;
}

/** What a walk of the directories is charged: each directory, and the header's bytes once counted. */
export interface HeaderCharge {
  step(): void;
  bytes?(count: number): void;
}

export const corruptTiff = (what: string) => forbidden(`The source image is corrupt: ${what}`);

export const isTiff = (b: Uint8Array) =>
  b.length >= 4 && ((b[0] === 0x49 && b[1] === 0x49 && (b[2] === 42 || b[2] === 43) && b[3] === 0) || (b[0] === 0x4d && b[1] === 0x4d && b[2] === 0 && (b[3] === 42 || b[3] === 43)));

/** A file offset or count of 8 bytes, refused when it cannot be a position in a file this size. */
function big(view: DataView, at: number, le: boolean, size = view.byteLength): number {
  const value = view.getBigUint64(at, le);
  if (value > BigInt(size)) throw corruptTiff('an offset or count past the end of the TIFF file');
  return Number(value);
}

export function readContainer(bytes: Uint8Array, charge: HeaderCharge = { step: () => {} }, fileSize = bytes.length): TiffContainer {
  if (bytes.length < 8 || !isTiff(bytes)) throw corruptTiff('not a TIFF header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = bytes[0] === 0x49;
  const bigTiff = view.getUint16(2, le) === 43;
  if (bigTiff && (bytes.length < 16 || view.getUint16(4, le) !== 8 || view.getUint16(6, le) !== 0)) throw corruptTiff('a bad BigTIFF header');
  const offsetAt = (at: number) => (bigTiff ? big(view, at, le) : view.getUint32(at, le));
  const directories: Map<number, TiffEntry>[] = [];
  const seen = new Set<number>();
  let chunks = 0;
  let headerBytes = 0;
  const countBytes = bigTiff ? 8 : 2;
  const entryBytes = bigTiff ? 20 : 12;
  /** One chain of directories from `first`, every one into `directories`. */
  const chain = (first: number) => {
    for (let next = first; next !== 0; ) {
      charge.step();
      if (seen.has(next)) throw corruptTiff('the TIFF directories form a loop');
      if (directories.length === MAX_DIRECTORIES) throw forbidden(`The TIFF source has more than ${MAX_DIRECTORIES} image directories`);
      seen.add(next);
      if (next + countBytes > bytes.length) throw corruptTiff('an image directory past the end of the TIFF file');
      const count = bigTiff ? big(view, next, le) : view.getUint16(next, le);
      const end = next + countBytes + count * entryBytes;
      if (end + (bigTiff ? 8 : 4) > bytes.length) throw corruptTiff('an image directory runs past the end of the TIFF file');
      headerBytes += end + (bigTiff ? 8 : 4) - next;
      const entries = new Map<number, TiffEntry>();
      for (let i = 0; i < count; i++) {
        const e = next + countBytes + i * entryBytes;
        const tag = view.getUint16(e, le);
        const type = view.getUint16(e + 2, le);
        const size = TYPE_SIZES[type];
        if (size === undefined) continue; // an unknown type: readers skip the entry (TIFF 6.0 section 2)
        const valueCount = bigTiff ? big(view, e + 4, le) : view.getUint32(e + 4, le);
        const inline = bigTiff ? 8 : 4;
        const bytesOf = valueCount * size;
        const at = bytesOf <= inline ? e + (bigTiff ? 12 : 8) : offsetAt(e + (bigTiff ? 12 : 8));
        if (at + bytesOf > bytes.length) throw corruptTiff(`the values of TIFF tag ${tag} lie past the end of the file`);
        if (bytesOf > inline) headerBytes += bytesOf;
        entries.set(tag, { type, count: valueCount, at });
      }
      if (headerBytes > MAX_HEADER_BYTES) throw forbidden(`The TIFF source's directories take more than ${MAX_HEADER_BYTES} bytes`);
      for (const tag of [273, 324]) chunks += entries.get(tag)?.count ?? 0;
      if (chunks > MAX_CHUNKS) throw forbidden(`The TIFF source has more than ${MAX_CHUNKS} strips or tiles`);
      directories.push(entries);
      next = offsetAt(end);
    }
  };
  const first = offsetAt(bigTiff ? 8 : 4);
  if (first === 0) throw corruptTiff('a TIFF file without an image directory');
  chain(first);
  const pages = directories.length;
  const container: TiffContainer = { bytes, view, littleEndian: le, bigTiff, directories, pages, headerBytes: 0, fileSize };
  // A pyramid's reduced levels may be the SubIFDs of its first page (libvips' --subifd, DNG previews).
  for (let p = 0; p < pages; p++) {
    if (!SUB_IFD_TYPES.has(directories[p]!.get(SUB_IFDS)?.type ?? 0)) continue;
    for (const at of values(container, directories[p]!, SUB_IFDS, MAX_DIRECTORIES + 1) ?? []) chain(at);
  }
  charge.bytes?.(headerBytes);
  return { ...container, headerBytes };
}

/** One value of an entry as a number (integer and rational types; the caller knows which it asked for). */
function valueAt(c: TiffContainer, type: number, at: number): number {
  const { view, littleEndian: le } = c;
  switch (type) {
    case 1: case 2: case 7: return view.getUint8(at);
    case 6: return view.getInt8(at);
    case 3: return view.getUint16(at, le);
    case 8: return view.getInt16(at, le);
    case 4: case 13: return view.getUint32(at, le);
    case 9: return view.getInt32(at, le);
    case 5: return view.getUint32(at, le) / (view.getUint32(at + 4, le) || 1);
    case 10: return view.getInt32(at, le) / (view.getInt32(at + 4, le) || 1);
    case 11: return view.getFloat32(at, le);
    case 12: return view.getFloat64(at, le);
    default: return big(view, at, le, c.fileSize);
  }
}

/** The values of a tag, at most `limit` of them, or undefined when the directory lacks it. */
export function values(c: TiffContainer, dir: Map<number, TiffEntry>, tag: number, limit = MAX_CHUNKS): number[] | undefined {
  const e = dir.get(tag);
  if (!e) return undefined;
  const size = TYPE_SIZES[e.type]!;
  const out = new Array<number>(Math.min(e.count, limit));
  for (let i = 0; i < out.length; i++) out[i] = valueAt(c, e.type, e.at + i * size);
  return out;
}

/** The first value of a tag, or the default. */
export function value(c: TiffContainer, dir: Map<number, TiffEntry>, tag: number, otherwise: number): number {
  const e = dir.get(tag);
  return e && e.count > 0 ? valueAt(c, e.type, e.at) : otherwise;
}

/** A tag's raw bytes (JPEGTables, an ICC profile), a view into the file. */
export function raw(c: TiffContainer, dir: Map<number, TiffEntry>, tag: number): Uint8Array | undefined {
  const e = dir.get(tag);
  return e ? c.bytes.subarray(e.at, e.at + e.count * TYPE_SIZES[e.type]!) : undefined;
}
