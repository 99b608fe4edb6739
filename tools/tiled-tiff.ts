/**
 * Hand-made uncompressed little-endian grey TIFFs in square tiles, shaped like attacks the tests and
 * the soak share: tiles whose byte counts each claim the whole file (`claim`: every tile's offset is
 * the first one's, the file padded to hold `claim` bytes), tiny tiles by the hundred thousand (`tile`
 * 16, every tile's offset the first one's unless `distinct`), and a SubIFDs tag of an odd type.
 */
export interface TiledTiff {
  /** Width and height. */
  size: number;
  /** Tile width and height (a multiple of 16). */
  tile?: number;
  claim?: number;
  /** Every tile stored apart (the default when there is no claim and fewer than 4096 tiles). */
  distinct?: boolean;
  /** A SubIFDs tag (330) of this type and the value 8 (the page itself). */
  subIfdType?: number;
}

export function tiledTiff({ size, tile = 256, claim, distinct, subIfdType }: TiledTiff): Uint8Array {
  const across = Math.ceil(size / tile);
  const tiles = across * across;
  const tileBytes = tile * tile;
  const apart = claim === undefined && (distinct ?? tiles < 4096);
  const fields: [number, number, number, number][] = [
    [256, 4, 1, size],
    [257, 4, 1, size],
    [258, 3, 1, 8],
    [259, 3, 1, 1],
    [262, 3, 1, 1],
    [277, 3, 1, 1],
    [322, 3, 1, tile],
    [323, 3, 1, tile],
    [324, 4, tiles, 0],
    [325, 4, tiles, 0],
  ];
  if (subIfdType !== undefined) fields.push([330, subIfdType, 1, 8]);
  const arrays = 8 + 2 + fields.length * 12 + 4;
  fields[8]![3] = arrays;
  fields[9]![3] = arrays + tiles * 4;
  const data = arrays + tiles * 8;
  const length = data + Math.max(apart ? tiles * tileBytes : tileBytes, claim ?? 0);
  const file = new Uint8Array(length);
  const v = new DataView(file.buffer);
  file.set([0x49, 0x49, 42, 0]);
  v.setUint32(4, 8, true);
  v.setUint16(8, fields.length, true);
  fields.forEach(([tag, type, n, value], i) => {
    const e = 10 + i * 12;
    v.setUint16(e, tag, true);
    v.setUint16(e + 2, type, true);
    v.setUint32(e + 4, n, true);
    if (type === 3) v.setUint16(e + 8, value, true);
    else if (type === 1) v.setUint8(e + 8, value);
    else v.setUint32(e + 8, value, true);
  });
  for (let t = 0; t < tiles; t++) {
    v.setUint32(arrays + t * 4, apart ? data + t * tileBytes : data, true);
    v.setUint32(arrays + tiles * 4 + t * 4, claim ?? tileBytes, true);
  }
  for (let i = data; i < length; i++) file[i] = (i * 7) & 255;
  return file;
}
