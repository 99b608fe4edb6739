import type { Rgba } from '../protocol/color.ts';

/**
 * A text layer's document, as the RTF reader (rtf.ts) gives it to layout: paragraphs of runs of
 * styled text, the font table, and the document-wide settings.
 */

export type Form = 'text' | 'textps';
export type Align = 'left' | 'center' | 'right' | 'justify';

export interface CharStyle {
  /** \f: an index into the font table; -1 when none was given (DefaultFont). */
  font: number;
  /** \fs: half-points. */
  size: number;
  /** \copyfit: the largest size in half-points; at or below `size` copy-fitting is off. */
  copyfit: number;
  bold: boolean;
  italic: boolean;
  underline: boolean;
  /** \cf: an index into the colour tables, resolved once they are all read (they may come later). */
  colorIndex: number;
  color: Rgba;
  /** \up / \dn and \super / \sub: the baseline shift in half-points, up positive. */
  shift: number;
  /** \super and \sub make the glyphs smaller. */
  script: boolean;
  /** \expnd / \expndtw: extra space after each character, in twips. */
  spacing: number;
  kerning: boolean;
  caps: boolean;
  /** \charscalex: horizontal scale in percent. */
  scaleX: number;
  rtl: boolean;
}

export interface ParagraphStyle {
  align: Align;
  /** \li \ri \fi \sb \sa in twips. */
  leftIndent: number;
  rightIndent: number;
  firstIndent: number;
  spaceBefore: number;
  spaceAfter: number;
  /** \sl: 0 automatic, > 0 at least, < 0 exactly, in twips (a multiple of single spacing with \slmult1). */
  lineSpacing: number;
  lineMultiple: boolean;
}

export interface Run {
  /** '\n' stands for \line, '\t' for \tab. */
  text: string;
  style: CharStyle;
}

export interface Paragraph {
  style: ParagraphStyle;
  runs: Run[];
}

export interface TextDocument {
  /** \fonttbl: font names by number. */
  fonts: Map<number, string>;
  paragraphs: Paragraph[];
  vertical: 'top' | 'center' | 'bottom';
  /** \margl \margr \margt \margb in twips (textPs only). */
  margins: { left: number; right: number; top: number; bottom: number };
  /** \copyfitlines (soft) and \copyfitmaxlines (hard): 0 for no limit. */
  copyfitLines: number;
  copyfitMaxLines: number;
}
