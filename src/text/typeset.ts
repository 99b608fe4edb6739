import type { Account } from '../protocol/account.ts';
import type { Size, TextSpec } from '../protocol/request.ts';
import type { TextDocument } from './document.ts';
import { layoutText } from './layout.ts';
import type { FontLookup } from './layout-types.ts';
import { outlineText, type TextImage } from './shapes.ts';

/**
 * A text layer ready to lay out: its parsed document and the faces every run needs, opened by the
 * service (inputs/fonts.ts); planning lays it out in the box the layer gets (`typeset`).
 */
export interface TextSetting {
  spec: TextSpec;
  doc: TextDocument;
  fonts: FontLookup;
  /** No characters: the layer is the box, or one pixel, with nothing drawn. */
  empty: boolean;
  maxFontSize: number;
  /** The request's account, charged the outline points as they are made. */
  account: Account;
}

/**
 * What a text's layout costs, in characters: each one, and each paragraph and run as RUN_COST more,
 * since every run is shaped, measured and filled on its own (3000 colour runs of two letters held the
 * main thread for 0.2-0.5 s where 6000 letters in one run take a few milliseconds).
 */
export const charactersOf = (doc: TextDocument): number => doc.paragraphs.reduce((n, p) => p.runs.reduce((m, r) => m + r.text.length + RUN_COST, n + RUN_COST), 0);

const RUN_COST = 16;

/** The layer's text laid out in `box` (a self-sizing layer without one) and turned into outlines. */
export function typeset({ spec, doc, fonts, empty, maxFontSize, account }: TextSetting, box: Size | undefined): TextImage {
  if (empty) {
    const size = box && box.width > 0 && box.height > 0 ? box : { width: 1, height: 1 };
    return { width: size.width, height: size.height, antialias: spec.antialias, fills: [] };
  }
  // Each pass lays every character out again: charged as the first was (inputs/fonts.ts).
  const onRelayout = () => account.charge('glyphs', charactersOf(doc));
  const layout = layoutText(doc, fonts, { form: spec.form, resolution: spec.resolution, box, wrap: spec.wrap, resMode: spec.resMode, maxFontSize, onRelayout });
  return outlineText(layout, { antialias: spec.antialias, angle: spec.angle, account });
}
