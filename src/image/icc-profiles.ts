import { D50 } from './icc.ts';
import { RGB_SPACES, type RgbSpace } from './rgb-spaces.ts';

/**
 * The profile of a built-in space, to embed in replies converted to it (iccEmbed=1;
 * CMD/r-iccembed.md: the output profile, not the source's): ICC v2, display class, the space's D50
 * colorants, and its curve as a gamma or (sRGB's) a 1024-entry table. Made once per space.
 */
const builtinBytes = new Map<string, Uint8Array>();
export const srgbProfile = () => builtinProfile(RGB_SPACES.srgb);
export function builtinProfile(space: RgbSpace): Uint8Array {
  const made = builtinBytes.get(space.name);
  if (made) return made;
  const be32 = (v: number) => [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
  const s15f16 = (v: number) => be32(Math.round(v * 65536) >>> 0);
  const text = (s: string) => [...s].map((c) => c.charCodeAt(0));
  const xyz = (x: number, y: number, z: number) => [...text('XYZ '), 0, 0, 0, 0, ...s15f16(x), ...s15f16(y), ...s15f16(z)];
  const curve = [...text('curv'), 0, 0, 0, 0];
  if (space.gamma !== undefined) {
    const g = Math.round(space.gamma * 256);
    curve.push(...be32(1), g >> 8, g & 255);
  } else {
    curve.push(...be32(1024));
    for (let i = 0; i < 1024; i++) {
      const v = Math.round(space.decode(i / 1023) * 65535);
      curve.push(v >> 8, v & 255);
    }
  }
  const name = space.description;
  const desc = [...text('desc'), 0, 0, 0, 0, ...be32(name.length + 1), ...text(name), 0, ...new Array(4 + 4 + 2 + 1 + 67).fill(0)];
  const m = space.toXyz;
  const tags: [string, number[]][] = [
    ['desc', desc],
    ['wtpt', xyz(...D50)],
    ['rXYZ', xyz(m[0]!, m[3]!, m[6]!)],
    ['gXYZ', xyz(m[1]!, m[4]!, m[7]!)],
    ['bXYZ', xyz(m[2]!, m[5]!, m[8]!)],
    ['rTRC', curve],
    ['gTRC', curve],
    ['bTRC', curve],
    ['cprt', [...text('text'), 0, 0, 0, 0, ...text('No copyright, use freely'), 0]],
  ];
  const pad = (b: number[]) => [...b, ...new Array((4 - (b.length % 4)) % 4).fill(0)];
  let offset = 128 + 4 + tags.length * 12;
  const table: number[] = be32(tags.length);
  const bodies: number[] = [];
  // The three curves are one body, shared, as profiles commonly do.
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
  header.splice(12, 12, ...text('mntrRGB XYZ '));
  header.splice(36, 4, ...text('acsp'));
  header.splice(68, 12, ...s15f16(D50[0]), ...s15f16(D50[1]), ...s15f16(D50[2]));
  const bytes = Uint8Array.from([...header, ...table, ...bodies]);
  builtinBytes.set(space.name, bytes);
  return bytes;
}

