import { COMMANDS } from './command-table.ts';
import { forbidden } from './errors.ts';
import type { Modifier } from './url.ts';

/**
 * The segments of a layered request (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/syntax-and-features/layering-overview/c-specifying-layers): `layer=` and `effect=` open a new
 * segment that runs to the next one; before any `layer=` the segment is `comp`. Request commands
 * (the view, the format) are global wherever they appear. Segments of the same layer merge, in
 * request order, so the usual last-one-wins rule holds inside a layer.
 */
export interface LayerSegment {
  /** Commands of the layer, in order (comp's layer-0 commands first for layer 0). */
  modifiers: Modifier[];
  /** Effects by number: n < 0 behind the layer, n > 0 inside it. */
  effects: Map<number, Modifier[]>;
}

export interface Segments {
  /** The request commands and the composite's own (comp's opac, flip, filters). */
  request: Modifier[];
  /** Effects attached to `comp`: they shape the flattened composite. */
  compositeEffects: Map<number, Modifier[]>;
  layers: Map<number, LayerSegment>;
  /** A `layer=`/`effect=` beyond layer 0 and comp was given: the request is layered. */
  layered: boolean;
}

const MAX_LAYER_NUMBER = 100_000;

export function splitSegments(modifiers: readonly Modifier[]): Segments {
  const request: Modifier[] = [];
  const compositeEffects = new Map<number, Modifier[]>();
  const layers = new Map<number, LayerSegment>();
  const names = new Map<string, number>();
  const layerOf = (n: number) => {
    let layer = layers.get(n);
    if (!layer) layers.set(n, (layer = { modifiers: [], effects: new Map() }));
    return layer;
  };
  let layered = false;
  // The open segment: a layer number, or 'comp'; and within it an effect number, if any.
  let current: number | 'comp' = 'comp';
  let effect: Modifier[] | undefined;
  for (const m of modifiers) {
    if (m.name === 'layer') {
      current = layerNumber(m.value, names);
      if (current !== 'comp' && current !== 0) layered = true;
      effect = undefined;
      continue;
    }
    if (m.name === 'effect') {
      const n = Number((m.value ?? '').trim());
      if (!Number.isInteger(n) || n === 0 || Math.abs(n) > MAX_LAYER_NUMBER) throw forbidden('effect must be a non-zero integer');
      const effects = current === 'comp' ? compositeEffects : layerOf(current).effects;
      effect = effects.get(n) ?? [];
      effects.set(n, effect);
      layered = true;
      continue;
    }
    const scope = COMMANDS.get(m.name)?.scope ?? (m.name.startsWith('$') ? 'request' : 'layer');
    if (scope === 'request') request.push(m);
    else if (effect) effect.push(m);
    else if (current !== 'comp') layerOf(current).modifiers.push(m);
    else if (scope === 'composite') request.push(m);
    else layerOf(0).modifiers.push(m);
  }
  return { request, compositeEffects, layers, layered };
}

/** `n`, `comp`, `n,name` (binds the name) or `name` (a bound one). */
function layerNumber(value: string | undefined, names: Map<string, number>): number | 'comp' {
  const [first = '', name, ...rest] = (value ?? '').split(',').map((p) => p.trim());
  if (rest.length > 0) throw forbidden('layer takes a number or comp, and one name');
  const key = first.toLowerCase();
  if (key === 'comp') {
    if (name !== undefined) throw forbidden('layer=comp cannot be named');
    return 'comp';
  }
  if (/^\d+$/.test(first)) {
    const n = Number(first);
    if (n > MAX_LAYER_NUMBER) throw forbidden(`layer numbers go up to ${MAX_LAYER_NUMBER}`);
    if (name !== undefined) bindName(name, n, names);
    return n;
  }
  if (name !== undefined || !/^[A-Za-z_][\w.-]*$/.test(first)) throw forbidden('layer must be a number, comp, or a layer name');
  const bound = names.get(key);
  if (bound === undefined) throw forbidden(`layer=${first} names no layer defined before it`);
  return bound;
}

function bindName(name: string, n: number, names: Map<string, number>): void {
  const key = name.toLowerCase();
  if (!/^[A-Za-z_][\w.-]*$/.test(name) || key === 'comp') throw forbidden(`${name} cannot be a layer name`);
  const bound = names.get(key);
  if (bound !== undefined && bound !== n) throw forbidden(`The layer name ${name} is given to two layers`);
  names.set(key, n);
}
