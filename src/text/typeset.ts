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

/** The layer's text laid out in `box` (a self-sizing layer without one) and turned into outlines. */
export function typeset({ spec, doc, fonts, empty, maxFontSize, account }: TextSetting, box: Size | undefined): TextImage {
  if (empty) {
    const size = box && box.width > 0 && box.height > 0 ? box : { width: 1, height: 1 };
    return { width: size.width, height: size.height, antialias: spec.antialias, fills: [] };
  }
  const layout = layoutText(doc, fonts, { form: spec.form, resolution: spec.resolution, box, wrap: spec.wrap, resMode: spec.resMode, maxFontSize });
  return outlineText(layout, { antialias: spec.antialias, angle: spec.angle, account });
}
