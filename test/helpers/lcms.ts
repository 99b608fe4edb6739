import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { deltaEStats } from './delta-e.ts';

/** LittleCMS's own tools (transicc, jpgicc; .ci/run installs them), the colour tests' reference. */
const TRANSICC = ['/usr/bin/transicc', '/usr/local/bin/transicc'].find((p) => existsSync(p));
export const JPGICC = TRANSICC?.replace('transicc', 'jpgicc') ?? 'jpgicc';
export const LCMS_SKIP = TRANSICC ? false : 'LittleCMS tools (liblcms2-utils) are not installed; .ci/run installs them';

/**
 * LittleCMS's answer for device values (0..100 for CMYK, 0..255 for RGB and grey), clipped to
 * bytes; relative colorimetric unless `flags` say otherwise (transicc's -t and -b).
 */
export function transicc(profile: string, inputs: number[][], output = '*sRGB', flags: string[] = ['-t', '1']): number[][] {
  const r = spawnSync(TRANSICC!, ['-i', profile, '-o', output, ...flags, '-n'], { input: `${inputs.map((v) => v.join(' ')).join('\n')}\n`, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout
    .trim()
    .split('\n')
    .filter((l) => /^-?\d/.test(l.trim()))
    .map((l) => l.trim().split(/\s+/).map((v) => Math.max(0, Math.min(255, Number(v)))));
}

/** Our converted RGBA against LittleCMS's RGB answers: the largest byte difference and ΔE2000. */
export function againstLittleCms(data: Uint8ClampedArray, want: number[][]): { worst: number; dE: { mean: number; max: number } } {
  const got = want.map((_, i) => [data[i * 4]!, data[i * 4 + 1]!, data[i * 4 + 2]!]);
  const worst = Math.max(...got.flatMap((g, i) => g.map((v, c) => Math.abs(v - want[i]![c]!))));
  return { worst, dE: deltaEStats(got, want) };
}
