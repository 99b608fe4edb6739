import { forbidden } from './errors.ts';

/** Strict number parsers for command values: anything else is a parse error (403). */

export function parseInt32(value: string | undefined, what: string, min: number, max = 2147483647): number {
  if (value === undefined || !/^[-+]?\d{1,10}$/.test(value.trim())) throw forbidden(`${what} must be an integer`);
  const n = Number(value);
  if (n < min || n > max) throw forbidden(`${what} must be between ${min} and ${max}`);
  return n;
}

export function parseReal(value: string | undefined, what: string, min: number, max: number, exclusiveMin = false): number {
  if (value === undefined || !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(value.trim())) {
    throw forbidden(`${what} must be a number`);
  }
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max || (exclusiveMin && n === min)) {
    throw forbidden(`${what} must be ${exclusiveMin ? 'greater than' : 'at least'} ${min} and at most ${max}`);
  }
  return n;
}

/** 0 or 1; real URLs also send true/false and on/off (docs/compatibility.md, leniency). */
export function parseFlag(value: string | undefined, what: string): boolean {
  const v = value?.trim().toLowerCase();
  if (v === '0' || v === 'false' || v === 'off') return false;
  if (v === '1' || v === 'true' || v === 'on') return true;
  throw forbidden(`${what} must be 0 or 1`);
}

/**
 * A value of a closed list, in any case: the refusal lists every accepted spelling, read from the
 * table itself, so that the message and the parser cannot disagree.
 */
export function oneOf<T>(table: Readonly<Record<string, T>>, value: string | undefined, what: string): T {
  const key = (value ?? '').trim().toLowerCase();
  if (Object.hasOwn(table, key)) return table[key]!;
  const names = Object.keys(table);
  throw forbidden(`${what} must be ${names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`}`);
}

/** Splits a comma list and checks the number of parts. */
export function parts(value: string | undefined, what: string, min: number, max: number): string[] {
  const p = (value ?? '').split(',');
  if (value === undefined || value === '' || p.length < min || p.length > max) {
    throw forbidden(`${what} needs ${min === max ? min : `${min} to ${max}`} comma-separated values`);
  }
  return p;
}
