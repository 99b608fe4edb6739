import type { Rgba } from '../protocol/color.ts';
import type { ColorOp, OutputSpec, Rect, Resampling, Size } from '../protocol/request.ts';

/** One clip path in the layer's pixels, its subpaths flat (a start, then six numbers a cubic: planning/clip.ts), and its fill rule. */
export interface ClipFill {
  cubics: number[][];
  evenOdd: boolean;
}

/** The named steps a render plan is made of; the pipeline has one function for each. */
export type Step =
  | { op: 'crop'; rect: Rect }
  /**
   * region: the span of the input the output covers, when not all of it (fractional; see shrink.ts);
   * box: the box pre-shrink factor, when it must be the whole view's rather than this input's (tiles).
   */
  | { op: 'resize'; width: number; height: number; premultiply: boolean; filter: Resampling; region?: Rect; box?: number }
  | { op: 'extend'; canvas: Size; x: number; y: number; background: Rgba }
  | { op: 'blank'; canvas: Size; background: Rgba }
  | { op: 'flatten'; background: Rgba }
  | { op: 'orient'; orientation: number }
  | { op: 'blur'; radius: number }
  /** origin: where the image's top-left is in the whole view, which seeds op_noise per pixel. */
  | { op: 'color'; ops: ColorOp[]; origin?: { x: number; y: number } }
  | { op: 'mask' }
  | { op: 'rotate'; degrees: number }
  | { op: 'opacity'; factor: number }
  | { op: 'underlay'; background: Rgba }
  | { op: 'unsharp'; amount: number; radius: number; threshold: number; monochrome: boolean }
  /** clipPath= and the rest: the alpha times each keep path's coverage and one minus the cut paths' shared coverage (planning/clip.ts). */
  | { op: 'clip'; keep: ClipFill[]; cut: ClipFill[] }
  | { op: 'encode'; output: OutputSpec };

