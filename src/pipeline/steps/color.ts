import type { ColorOp } from '../../protocol/request.ts';
import { Arena, colorKernelInstance } from '../../image/kernels.ts';
import type { Pixels } from '../../image/pixels.ts';
import { colorizeTable } from './colorize.ts';

/**
 * The colour filters, in the order the request gave them. Consecutive linear ones (brightness,
 * contrast, saturation, hue, colour balance) are folded into one 3x3 matrix plus offset, one pass.
 */
type Affine = { m: number[]; o: number[] };
const IDENTITY: Affine = { m: [1, 0, 0, 0, 1, 0, 0, 0, 1], o: [0, 0, 0] };
const LUMA = [0.299, 0.587, 0.114];

function affineOf(op: ColorOp): Affine | undefined {
  switch (op.op) {
    case 'brightness':
      return { m: IDENTITY.m, o: [0, 1, 2].map(() => op.value * 2.55) };
    case 'contrast': {
      const f = 1 + op.value / 100;
      return { m: IDENTITY.m.map((v) => v * f), o: [0, 1, 2].map(() => 128 * (1 - f)) };
    }
    case 'saturation': {
      const k = 1 + op.value / 100;
      return { m: [0, 1, 2].flatMap((row) => LUMA.map((l, col) => (1 - k) * l + (row === col ? k : 0))), o: [0, 0, 0] };
    }
    case 'hue': {
      // The hue rotation matrix of the CSS/SVG hue-rotate filter.
      const c = Math.cos((op.degrees * Math.PI) / 180);
      const s = Math.sin((op.degrees * Math.PI) / 180);
      return {
        m: [
          0.213 + c * 0.787 - s * 0.213, 0.715 - c * 0.715 - s * 0.715, 0.072 - c * 0.072 + s * 0.928,
          0.213 - c * 0.213 + s * 0.143, 0.715 + c * 0.285 + s * 0.14, 0.072 - c * 0.072 - s * 0.283,
          0.213 - c * 0.213 - s * 0.787, 0.715 - c * 0.715 + s * 0.715, 0.072 + c * 0.928 + s * 0.072,
        ],
        o: [0, 0, 0],
      };
    }
    case 'balance':
      return { m: IDENTITY.m, o: op.rgb.map((v) => v * 2.55) };
    default:
      return undefined;
  }
}

/** b after a: x -> B(Ax + a) + b. */
function then(a: Affine, b: Affine): Affine {
  const m = [0, 1, 2].flatMap((r) => [0, 1, 2].map((c) => [0, 1, 2].reduce((sum, k) => sum + b.m[r * 3 + k]! * a.m[k * 3 + c]!, 0)));
  const o = [0, 1, 2].map((r) => [0, 1, 2].reduce((sum, k) => sum + b.m[r * 3 + k]! * a.o[k]!, 0) + b.o[r]!);
  return { m, o };
}

export function applyColor(image: Pixels, ops: readonly ColorOp[], origin = { x: 0, y: 0 }): Pixels {
  const k = colorKernelInstance();
  const arena = new Arena(k.memory, k.heapBase.value as number);
  const pixels = image.width * image.height;
  const ptr = arena.take(image.data.length);
  arena.bytes(ptr, image.data.length).set(image.data);
  const matrix = arena.take(48);
  let pending: Affine | undefined;
  const flush = () => {
    if (!pending) return;
    new Float32Array(k.memory.buffer, matrix, 12).set([...pending.m, ...pending.o]);
    k.matrix(ptr, pixels, matrix);
    pending = undefined;
  };
  for (const op of ops) {
    const affine = affineOf(op);
    if (affine) {
      pending = pending ? then(pending, affine) : affine;
      continue;
    }
    flush();
    if (op.op === 'invert') k.invert(ptr, pixels);
    else if (op.op === 'colorize') {
      const hist = arena.take(256 * 4);
      k.lumaHistogram(ptr, pixels, hist);
      const table = colorizeTable(new Uint32Array(k.memory.buffer, hist, 256).slice(), op.color, op.normalize, op.contrast);
      const at = arena.take(table.length);
      arena.bytes(at, table.length).set(table);
      k.tint(ptr, pixels, at);
    }
    else if (op.op === 'noise') k.noise(ptr, image.width, image.height, origin.x, origin.y, op.amount * 2.55, op.gaussian ? 1 : 0, op.monochrome ? 1 : 0);
  }
  flush();
  return { ...image, data: arena.pixels(ptr, image.data.length) };
}
