import type { Rgba } from '../protocol/color.ts';
import type { BlendMode, MaskUse, Size } from '../protocol/request.ts';
import type { SinglePlan, SourcePlan } from './plan.ts';
import type { Step } from './steps.ts';
import type { TextImage } from '../text/shapes.ts';

/** A render plan: one image, or a composite. */
export type RenderPlan = SinglePlan | CompositePlan;

export const isComposite = (plan: RenderPlan): plan is CompositePlan => 'composite' in plan;

/** Every layer of a composite and of the composites nested in it. */
export function placedLayers(composite: Composite): PlacedLayer[] {
  const layers: PlacedLayer[] = [];
  const collect = (c: Composite) => {
    for (const layer of c.layers) {
      layers.push(layer);
      if (layer.input.kind === 'composite') collect(layer.input.composite);
    }
  };
  collect(composite);
  return layers;
}

/**
 * The plan of a layered request (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/syntax-and-features/layering-overview/c-layering-overview): layers made one by one, each placed on a
 * canvas the size of layer 0, then the composite's own steps (its flip and opacity, the view, the
 * filters, the encode). Nested requests are layers whose input is a plan of their own.
 */
export interface CompositePlan {
  composite: Composite;
  output: Size;
}

export interface Composite {
  canvas: Size;
  layers: PlacedLayer[];
  /** Effects attached to layer=comp: shaped from the flattened composite. */
  effects: EffectPlan[];
  /** comp's fill opacity when it has effects: it fades the flattened layers, not the effects. */
  fill?: number;
  /** Steps on the flattened composite; a nested composite's end before any encode. */
  steps: Step[];
  /** comp's clipPath= and the rest: on the flattened layers, before comp's effects and steps. */
  clip?: Extract<Step, { op: 'clip' }>;
  /** Where the canvas's top-left is in the composite as drawn at the view's scale (seeds effects' op_noise); (0, 0) without one. */
  origin?: { x: number; y: number };
}

/** What a layer is made from. */
export type LayerInput =
  /** A source file of the job, decoded (at 1/shrink when the decoder can). */
  | ({ kind: 'file'; file: number } & SourcePlan)
  /** size= filled with color= (transparent for a layer with neither src= nor color=). */
  | { kind: 'solid'; size: Size; color: Rgba }
  /** A nested request that is one image: its plan without the encode. */
  | { kind: 'single'; plan: SinglePlan }
  /** A nested layered request, and the size its view makes. */
  | { kind: 'composite'; composite: Composite; size: Size }
  /** text=/textPs=: laid out, as filled polygons the worker rasterises. */
  | { kind: 'text'; text: TextImage };

export interface PlacedLayer {
  input: LayerInput;
  /** mask=: its alpha (or grey when it has no alpha data) replaces the input's alpha, scaled to it. */
  mask?: { input: LayerInput; fromAlpha: boolean };
  maskUse: MaskUse;
  /** The steps after the input (and mask), for the planned shrink-on-load. */
  steps: Step[];
  /** The steps for a full-size decode, when shrink-on-load was planned and the decoder declines. */
  fullSteps?: Step[];
  /** The layer's final size, and where its top-left lands on the canvas. */
  size: Size;
  x: number;
  y: number;
  opacity: number;
  blend: BlendMode;
  /** Ordered: outer ones (drawn first, behind), then inner ones (drawn after, inside). */
  effects: EffectPlan[];
}

export interface EffectPlan {
  inner: boolean;
  /** Offset from the parent's top-left. */
  x: number;
  y: number;
  color: Rgba;
  /** The parent's primary opacity (opac='s first value) times the effect's, times the colour's alpha. */
  opacity: number;
  grow: number;
  blur: number;
  /** op_noise: 0..100, added to the shaped mask. */
  noise: number;
  blend: BlendMode;
  maskUse: MaskUse;
  /** effectMask / ApplyEffectMask: an outer effect is hidden under its parent's opaque parts. */
  masked: boolean;
}
