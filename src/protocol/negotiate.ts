import type { OutputFormat } from './formats.ts';

/**
 * Smart imaging (issue: real Scene7 clients): the format picked from the browser's `Accept` for
 * `fmt=auto` and `bfc=on`, and the device pixel ratio from its client hints for `dpr=on`. Pure:
 * header values in, a choice out.
 */

/** The media types an Accept header lists with a quality above 0; wildcards promise nothing. */
function accepted(accept: string | undefined): Set<string> {
  const types = new Set<string>();
  for (const range of (accept ?? '').split(',')) {
    const [type = '', ...params] = range.split(';').map((p) => p.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    if (q !== undefined && !(Number(q.slice(2)) > 0)) continue;
    if (type !== '' && !type.includes('*')) types.add(type);
  }
  return types;
}

/** Formats that bfc=on may replace: what a browser shows as a photo or a graphic, not documents. */
const CONVERTIBLE: ReadonlySet<OutputFormat> = new Set(['jpeg', 'pjpeg', 'png', 'png-alpha']);

/**
 * AVIF when the browser lists image/avif, else WebP when it lists image/webp, else `fallback`;
 * the alpha forms when the image keeps transparency.
 */
export function negotiatedFormat(accept: string | undefined, alpha: boolean, fallback: OutputFormat): OutputFormat {
  const types = accepted(accept);
  if (types.has('image/avif')) return alpha ? 'avif-alpha' : 'avif';
  if (types.has('image/webp')) return alpha ? 'webp-alpha' : 'webp';
  return fallback;
}

/** bfc=on: a convertible format becomes AVIF or WebP where the browser takes them. */
export function convertedFormat(accept: string | undefined, requested: OutputFormat): OutputFormat {
  if (!CONVERTIBLE.has(requested)) return requested;
  return negotiatedFormat(accept, requested === 'png-alpha', requested);
}

/** `Sec-CH-DPR` (or the older `DPR`): a positive number up to 10, else none. */
export function hintedPixelRatio(secChDpr: string | undefined, dpr: string | undefined): number | undefined {
  const value = Number((secChDpr ?? dpr ?? '').trim());
  return Number.isFinite(value) && value > 0 && value <= 10 ? value : undefined;
}

/** The delivery API's preferwebp=true: WebP, keeping transparency, for a JPEG or PNG request where the browser lists image/webp. */
export function preferredWebp(accept: string | undefined, requested: OutputFormat): OutputFormat {
  if (!CONVERTIBLE.has(requested) || !accepted(accept).has('image/webp')) return requested;
  return requested === 'png-alpha' ? 'webp-alpha' : 'webp';
}
