import { parseColor, type Rgba } from '../protocol/color.ts';
import type { Form } from './document.ts';

export const BLACK: Rgba = { r: 0, g: 0, b: 0, a: 255 };

/**
 * An RTF string's colour tables as read, entries split on ';' (literal indexing,
 * docs/compatibility.md): \colortbl, \cmykcolortbl and \*\iscolortbl.
 */
export class ColorTables {
  private readonly rgbTable: (Rgba | undefined)[] = [];
  private readonly isTable: (Rgba | undefined)[] = [];
  private readonly cmykTable: (Rgba | undefined)[] = [];
  private entry: { r?: number; g?: number; b?: number; c?: number; m?: number; y?: number; k?: number } = {};
  private colorText = '';

  /** \red \green \blue of a \colortbl entry, \cyan \magenta \yellow \black of a \cmykcolortbl one. */
  component(key: 'r' | 'g' | 'b' | 'c' | 'm' | 'y' | 'k', value: number): void {
    this.entry[key] = value;
  }

  /** The ';' that ends an entry of \colortbl or \cmykcolortbl. */
  endEntry(table: 'colortbl' | 'cmykcolortbl'): void {
    const e = this.entry;
    if (table === 'colortbl') {
      this.rgbTable.push(e.r === undefined && e.g === undefined && e.b === undefined ? undefined : { r: byte(e.r), g: byte(e.g), b: byte(e.b), a: 255 });
    } else {
      // Naive CMYK (0-100 each): the colour a layer without a CMYK profile gets.
      const [c, m, y, k] = [e.c, e.m, e.y, e.k].map((v) => Math.min(100, Math.max(0, v ?? 0)) / 100) as [number, number, number, number];
      const empty = e.c === undefined && e.m === undefined && e.y === undefined && e.k === undefined;
      this.cmykTable.push(empty ? undefined : { r: Math.round(255 * (1 - c) * (1 - k)), g: Math.round(255 * (1 - m) * (1 - k)), b: Math.round(255 * (1 - y) * (1 - k)), a: 255 });
    }
    this.entry = {};
  }

  /** Text of \*\iscolortbl: entries in the protocol's colour syntax. */
  isText(t: string): void {
    for (const ch of t) {
      if (ch !== ';') {
        this.colorText += ch;
        continue;
      }
      const value = this.colorText.trim();
      this.isTable.push(value === '' ? undefined : parseColor(value, '\\iscolortbl'));
      this.colorText = '';
    }
  }

  /** The colour of \cfN, once every table is read (they may come after the text). */
  colorAt(index: number, form: Form): Rgba {
    if (index < 0) return BLACK;
    // \*\iscolortbl, then \cmykcolortbl (text= only), then \colortbl; a missing entry is black (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/text-formatting/r-color-handling).
    return this.isTable[index] ?? (form === 'text' ? this.cmykTable[index] : undefined) ?? this.rgbTable[index] ?? BLACK;
  }
}

const byte = (v: number | undefined) => Math.min(255, Math.max(0, v ?? 0));
