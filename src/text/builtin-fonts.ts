/**
 * The built-in font map: free faces installed from npm (Fontsource packages, SIL Open Font
 * Licence), so that text naming the common system fonts renders with no catalog font map. Arimo,
 * Tinos and Cousine are metric-compatible with Arial, Times New Roman and Courier New (the same
 * advance widths), so lines break where they would with those fonts; Palatino, Book Antiqua and
 * Georgia (Adobe's examples name Palatino Linotype) get Tinos, a serif of other widths. Noto Sans
 * Arabic and Nanum Gothic are fallbacks for Arabic and Korean text in any font.
 */
export interface BuiltinFamily {
  /** The npm package and the Fontsource id its files are named by. */
  package: string;
  id: string;
  /** Names in \fonttbl (compared in lower case) that choose this family. */
  names: string[];
  /** Weights of the regular and the bold face. */
  weights: [number, number];
  italic: boolean;
}

export const BUILTIN_FAMILIES: readonly BuiltinFamily[] = [
  { package: '@fontsource/arimo', id: 'arimo', names: ['arial', 'helvetica', 'arimo', 'liberation sans', 'helvetica neue', 'arial mt', 'sans-serif', 'swiss'], weights: [400, 700], italic: true },
  { package: '@fontsource/tinos', id: 'tinos', names: ['times new roman', 'times', 'tinos', 'liberation serif', 'times new roman ps', 'serif', 'roman', 'palatino linotype', 'palatino', 'book antiqua', 'georgia'], weights: [400, 700], italic: true },
  { package: '@fontsource/cousine', id: 'cousine', names: ['courier new', 'courier', 'cousine', 'liberation mono', 'monospace', 'modern'], weights: [400, 700], italic: true },
  { package: '@fontsource/noto-sans-arabic', id: 'noto-sans-arabic', names: ['noto sans arabic'], weights: [400, 700], italic: false },
  { package: '@fontsource/nanum-gothic', id: 'nanum-gothic', names: ['nanum gothic', 'nanumgothic'], weights: [400, 700], italic: false },
];

/** The face of text that names no font (and no DefaultFont is set). */
export const DEFAULT_FAMILY = 'arial';

/** Tried, in order, for characters the chosen font lacks. */
export const FALLBACK_FAMILIES = ['arimo', 'noto-sans-arabic', 'nanum-gothic'];

/** Fontsource's unicode.json ranges, `U+0000-00FF,U+0131,...`, as inclusive pairs. */
export function parseUnicodeRanges(text: string): [number, number][] {
  return text
    .split(',')
    .map((r) => r.trim().replace(/^U\+/i, ''))
    .filter((r) => r !== '')
    .map((r) => {
      const [a, b] = r.split('-');
      const lo = parseInt(a!.replace(/\?/g, '0'), 16);
      const hi = b !== undefined ? parseInt(b, 16) : parseInt(a!.replace(/\?/g, 'F'), 16);
      return [lo, hi] as [number, number];
    })
    .filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
}
