import { D50 } from './icc.ts';
import { RGB_SPACES, type RgbSpace } from './rgb-spaces.ts';

/**
 * The profiles of the built-in spaces, to embed in replies converted to them (iccEmbed=1;
 * https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-iccembed: the output profile, not the source's) and to convert into: ICC v2, display
 * class; an RGB space's D50 colorants and its curve as a gamma or (sRGB's) a 1024-entry table; a
 * grey space's gamma. Each made once.
 */
const made = new Map<string, Uint8Array>();

const be32 = (v: number) => [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
const s15f16 = (v: number) => be32(Math.round(v * 65536) >>> 0);
const text = (s: string) => [...s].map((c) => c.charCodeAt(0));
const xyz = (x: number, y: number, z: number) => [...text('XYZ '), 0, 0, 0, 0, ...s15f16(x), ...s15f16(y), ...s15f16(z)];
const gammaCurve = (gamma: number) => {
  const g = Math.round(gamma * 256);
  return [...text('curv'), 0, 0, 0, 0, ...be32(1), g >> 8, g & 255];
};
const description = (name: string) => [...text('desc'), 0, 0, 0, 0, ...be32(name.length + 1), ...text(name), 0, ...new Array(4 + 4 + 2 + 1 + 67).fill(0)];
const COPYRIGHT = [...text('text'), 0, 0, 0, 0, ...text('No copyright, use freely'), 0];

export const srgbProfile = () => builtinProfile(RGB_SPACES.srgb);

export function builtinProfile(space: RgbSpace): Uint8Array {
  let bytes = made.get(space.name);
  if (bytes) return bytes;
  const curve = space.gamma !== undefined ? gammaCurve(space.gamma) : [...text('curv'), 0, 0, 0, 0, ...be32(1024)];
  if (space.gamma === undefined) {
    for (let i = 0; i < 1024; i++) {
      const v = Math.round(space.decode(i / 1023) * 65535);
      curve.push(v >> 8, v & 255);
    }
  }
  const m = space.toXyz;
  bytes = assemble('RGB ', [
    ['desc', description(space.description)],
    ['wtpt', xyz(...D50)],
    ['rXYZ', xyz(m[0]!, m[3]!, m[6]!)],
    ['gXYZ', xyz(m[1]!, m[4]!, m[7]!)],
    ['bXYZ', xyz(m[2]!, m[5]!, m[8]!)],
    ['rTRC', curve],
    ['gTRC', curve],
    ['bTRC', curve],
    ['cprt', COPYRIGHT],
  ]);
  made.set(space.name, bytes);
  return bytes;
}

/** A grey space of a gamma (icc=gray, Gray Gamma 2.2 and 1.8, protocol/icc-names.ts). */
export function builtinGrayProfile(gamma: number): Uint8Array {
  const key = `gray ${gamma}`;
  let bytes = made.get(key);
  if (bytes) return bytes;
  bytes = assemble('GRAY', [
    ['desc', description(`Gray Gamma ${gamma} (Isle)`)],
    ['wtpt', xyz(...D50)],
    ['kTRC', gammaCurve(gamma)],
    ['cprt', COPYRIGHT],
  ]);
  made.set(key, bytes);
  return bytes;
}

/** A header and a tag table for the tags, each body padded to four bytes; bodies given twice are stored once. */
function assemble(space: 'RGB ' | 'GRAY', tags: [string, number[]][]): Uint8Array {
  const pad = (b: number[]) => [...b, ...new Array((4 - (b.length % 4)) % 4).fill(0)];
  let offset = 128 + 4 + tags.length * 12;
  const table: number[] = be32(tags.length);
  const bodies: number[] = [];
  const shared = new Map<number[], number>();
  for (const [sig, data] of tags) {
    let at = shared.get(data);
    if (at === undefined) {
      at = offset;
      shared.set(data, at);
      const padded = pad(data);
      bodies.push(...padded);
      offset += padded.length;
    }
    table.push(...text(sig), ...be32(at), ...be32(data.length));
  }
  const header = new Array<number>(128).fill(0);
  header.splice(0, 4, ...be32(offset));
  header.splice(8, 4, 2, 0x10, 0, 0);
  header.splice(12, 12, ...text(`mntr${space}XYZ `));
  header.splice(36, 4, ...text('acsp'));
  header.splice(68, 12, ...s15f16(D50[0]), ...s15f16(D50[1]), ...s15f16(D50[2]));
  return Uint8Array.from([...header, ...table, ...bodies]);
}
