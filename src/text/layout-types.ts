import type { Rgba } from '../protocol/color.ts';
import type { Face } from './faces.ts';
import type { CharStyle, Form } from './document.ts';

// What text layout takes and gives: the faces of a character style, the layer's settings, and the
// glyphs and rules placed in layer pixels.

/** The faces a character style draws with: one per character (subsets and fallbacks), and what to fake. */
export interface StyleFaces {
  faceFor(codepoint: number): Face;
  syntheticBold: boolean;
  syntheticItalic: boolean;
}

export type FontLookup = (style: CharStyle) => StyleFaces;

export interface LayoutSettings {
  form: Form;
  /** textAttr's resolution in dpi. */
  resolution: number;
  /** size=: the box; a height of 0 grows with the text; none is point text. */
  box?: { width: number; height: number };
  wrap: 'wrap' | 'nowrap' | 'nbwrap';
  resMode: 'fixed' | 'auto' | 'max';
  /** The largest font size in pixels a layer may use (--max-font-size). */
  maxFontSize: number;
  /** Called before each layout of the document after its first: autoRes, maxRes and copy-fitting lay it out again for each size they try. */
  onRelayout?: () => void;
}

export interface PlacedGlyph {
  face: Face;
  glyph: number;
  /** The glyph origin on the baseline, in layer pixels (y down). */
  x: number;
  y: number;
  /** Pixels per font unit, and the horizontal factor of \charscalex. */
  scale: number;
  scaleX: number;
  color: Rgba;
  bold: boolean;
  italic: boolean;
}

export interface Rule {
  x: number;
  y: number;
  width: number;
  height: number;
  color: Rgba;
}

export interface TextLayout {
  width: number;
  height: number;
  glyphs: PlacedGlyph[];
  /** Underlines. */
  rules: Rule[];
  /** Point text's origin: the alignment point on the first baseline (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/text-formatting/r-text-layers). */
  anchor?: { x: number; y: number };
  lines: number;
}
