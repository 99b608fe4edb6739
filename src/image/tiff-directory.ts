/**
 * A TIFF directory (IFD) as bytes, classic or BigTIFF: entries sorted by tag, each value inline
 * when it fits in the entry (4 bytes, BigTIFF 8), otherwise right after the directory, word-aligned.
 * `OFFSETS` is the type of strip and tile offsets and counts: LONG in a classic file, LONG8 in a BigTIFF.
 */
export const BYTE = 1;
export const SHORT = 3;
export const LONG = 4;
export const RATIONAL = 5;
export const UNDEFINED = 7;
export const OFFSETS = -1;
const LONG8 = 16;

export interface Entry {
  tag: number;
  type: number;
  /** Numbers (a RATIONAL's as numerator, denominator pairs) or raw bytes. */
  values: readonly number[] | Uint8Array;
}

const WIDTH: Record<number, number> = { [BYTE]: 1, [SHORT]: 2, [LONG]: 4, [RATIONAL]: 4, [UNDEFINED]: 1, [LONG8]: 8 };

const typeIn = (type: number, big: boolean) => (type === OFFSETS ? (big ? LONG8 : LONG) : type);
const valueBytes = (e: Entry, big: boolean) => e.values.length * WIDTH[typeIn(e.type, big)]!;
const entryBytes = (big: boolean) => (big ? 20 : 12);
const inline = (big: boolean) => (big ? 8 : 4);
const even = (n: number) => n + (n & 1);

/** The directory's size with its outside values. */
export function directorySize(entries: readonly Entry[], big: boolean): number {
  const head = big ? 8 + entries.length * 20 + 8 : 2 + entries.length * 12 + 4;
  return entries.reduce((sum, e) => sum + (valueBytes(e, big) > inline(big) ? even(valueBytes(e, big)) : 0), head);
}

/** The directory to be written at `at`, pointing to the next one at `next` (0 for the last). */
export function directoryBytes(entries: readonly Entry[], at: number, big: boolean, next: number): Uint8Array {
  const sorted = [...entries].sort((a, b) => a.tag - b.tag);
  const out = new Uint8Array(directorySize(sorted, big));
  const view = new DataView(out.buffer);
  const putOffset = (pos: number, value: number) => (big ? view.setBigUint64(pos, BigInt(value), true) : view.setUint32(pos, value, true));
  const put = (e: Entry, type: number, pos: number) => {
    if (e.values instanceof Uint8Array) return out.set(e.values, pos);
    e.values.forEach((v, i) => {
      if (type === SHORT) view.setUint16(pos + i * 2, v, true);
      else if (type === LONG8) view.setBigUint64(pos + i * 8, BigInt(v), true);
      else if (type === LONG || type === RATIONAL) view.setUint32(pos + i * 4, v, true);
      else out[pos + i] = v;
    });
  };
  let head = 0;
  if (big) view.setBigUint64(0, BigInt(sorted.length), true);
  else view.setUint16(0, sorted.length, true);
  head = big ? 8 : 2;
  let outside = head + sorted.length * entryBytes(big) + (big ? 8 : 4);
  sorted.forEach((e, i) => {
    const pos = head + i * entryBytes(big);
    const type = typeIn(e.type, big);
    const count = type === RATIONAL ? e.values.length / 2 : e.values.length;
    view.setUint16(pos, e.tag, true);
    view.setUint16(pos + 2, type, true);
    if (big) view.setBigUint64(pos + 4, BigInt(count), true);
    else view.setUint32(pos + 4, count, true);
    const valueAt = pos + (big ? 12 : 8);
    if (valueBytes(e, big) <= inline(big)) return put(e, type, valueAt);
    putOffset(valueAt, at + outside);
    put(e, type, outside);
    outside += even(valueBytes(e, big));
  });
  putOffset(head + sorted.length * entryBytes(big), next);
  return out;
}

/** The file's header: byte order, version (42, or 43 for BigTIFF) and the first directory's offset. */
export function headerBytes(big: boolean, first: number): Uint8Array {
  const out = new Uint8Array(big ? 16 : 8);
  const view = new DataView(out.buffer);
  out.set([0x49, 0x49]);
  if (big) {
    view.setUint16(2, 43, true);
    view.setUint16(4, 8, true);
    view.setBigUint64(8, BigInt(first), true);
  } else {
    view.setUint16(2, 42, true);
    view.setUint32(4, first, true);
  }
  return out;
}
