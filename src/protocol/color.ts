import { forbidden } from './errors.ts';

/** 8-bit straight (not premultiplied) RGBA. */
export interface Rgba {
  r: number;
  g: number;
  b: number;
  a: number;
}

const percent = (p: number) => Math.round((p * 255) / 100);
const hexByte = (s: string, i: number) => parseInt(s.slice(i, i + 2), 16);

/**
 * Parses the reference's `color` data type (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/data-types/r-is-http-color): gray `g[,a][g]` in percent,
 * RGB `r,g,b[,a][r]` in 0..255, CMYK `c,m,y,k[,a]k` in percent, `0xGG[AA][g]`,
 * `[0x]RRGGBB[AA][r]` and `[0x]CCMMYYKK[AA]k`, each with an optional `s` suffix. Case-insensitive.
 * CMYK is converted naively to RGB: there is no colour management in this stack.
 */
export function parseColor(input: string, what = 'color'): Rgba {
  let s = input.trim().toLowerCase();
  const bad = () => forbidden(`Invalid ${what} value`);
  if (s.endsWith('s')) s = s.slice(0, -1);
  let type: 'g' | 'r' | 'k' | undefined;
  const last = s.at(-1);
  if (last === 'g' || last === 'r' || last === 'k') {
    type = last;
    s = s.slice(0, -1);
  }
  if (s.includes(',')) {
    const parts = s.split(',');
    if (!parts.every((p) => /^\d{1,3}$/.test(p))) throw bad();
    const n = parts.map(Number);
    const kind = type ?? (n.length <= 2 ? 'g' : 'r');
    if (kind === 'g' && n.length === 2) return gray(n[0]!, n[1]!, bad);
    if (kind === 'r' && (n.length === 3 || n.length === 4)) {
      if (n.some((v) => v > 255)) throw bad();
      return { r: n[0]!, g: n[1]!, b: n[2]!, a: n[3] ?? 255 };
    }
    if (kind === 'k' && (n.length === 4 || n.length === 5)) {
      if (n.some((v) => v > 100)) throw bad();
      return cmyk(n[0]!, n[1]!, n[2]!, n[3]!, percent(n[4] ?? 100));
    }
    throw bad();
  }
  const prefixed = s.startsWith('0x');
  const hex = prefixed ? s.slice(2) : s;
  if (prefixed || (hex.length >= 6 && /^[0-9a-f]+$/.test(hex))) {
    if (!/^[0-9a-f]+$/.test(hex)) throw bad();
    if (type === 'k' && (hex.length === 8 || hex.length === 10)) {
      const c = (i: number) => (hexByte(hex, i) * 100) / 255;
      return cmyk(c(0), c(2), c(4), c(6), hex.length === 10 ? hexByte(hex, 8) : 255);
    }
    if ((type ?? 'g') === 'g' && prefixed && (hex.length === 2 || hex.length === 4)) {
      const v = hexByte(hex, 0);
      return { r: v, g: v, b: v, a: hex.length === 4 ? hexByte(hex, 2) : 255 };
    }
    if ((type ?? 'r') === 'r' && (hex.length === 6 || hex.length === 8)) {
      return { r: hexByte(hex, 0), g: hexByte(hex, 2), b: hexByte(hex, 4), a: hex.length === 8 ? hexByte(hex, 6) : 255 };
    }
    throw bad();
  }
  if ((type ?? 'g') === 'g' && /^\d{1,3}$/.test(s)) return gray(Number(s), 100, bad);
  throw bad();
}

function gray(level: number, alpha: number, bad: () => Error): Rgba {
  if (level > 100 || alpha > 100) throw bad();
  const v = percent(level);
  return { r: v, g: v, b: v, a: percent(alpha) };
}

function cmyk(c: number, m: number, y: number, k: number, a: number): Rgba {
  const ch = (x: number) => Math.round(255 * (1 - x / 100) * (1 - k / 100));
  return { r: ch(c), g: ch(m), b: ch(y), a };
}

export const toHex = (c: Rgba) =>
  [c.r, c.g, c.b].map((v) => v.toString(16).padStart(2, '0')).join('');
