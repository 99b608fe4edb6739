import { forbidden } from '../protocol/errors.ts';
import type { CharStyle, Form, Paragraph, ParagraphStyle, TextDocument } from './document.ts';
import { BLACK, ColorTables } from './rtf-colors.ts';
import { Tokenizer, type Token } from './rtf-tokens.ts';

/**
 * Scene7's RTF subset (the reference's "Supported RTF commands and keywords" pages, https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/text-formatting/c-text-formatting) read
 * into paragraphs of styled runs. Pure. Control words the reference does not list are ignored, as
 * RTF readers do; a string with no backslash and no brace is plain text.
 */

const DEFAULT_CHAR: CharStyle = {
  font: -1,
  size: 24,
  copyfit: 0,
  bold: false,
  italic: false,
  underline: false,
  colorIndex: -1,
  color: BLACK,
  shift: 0,
  script: false,
  spacing: 0,
  kerning: true,
  caps: false,
  scaleX: 100,
  rtl: false,
};

const DEFAULT_PARAGRAPH: ParagraphStyle = { align: 'left', leftIndent: 0, rightIndent: 0, firstIndent: 0, spaceBefore: 0, spaceAfter: 0, lineSpacing: 0, lineMultiple: false };

/** Groups whose text is not part of the document (RTF 1.6 destinations), skipped whole. */
const SKIPPED = new Set(['info', 'stylesheet', 'pict', 'header', 'footer', 'footnote', 'object', 'listtable', 'listoverridetable', 'generator', 'xmlnstbl']);

/** The underline family the reference renders as a plain underline ("Basic character formatting" among the supported RTF commands). */
const UNDERLINES = new Set(['ul', 'uld', 'uldash', 'uldashd', 'uldashdd', 'uldb', 'ulth', 'ulw', 'ulwave']);

/** A string nested deeper than this is refused rather than walked. */
const MAX_DEPTH = 64;

type Destination = 'text' | 'fonttbl' | 'colortbl' | 'iscolortbl' | 'cmykcolortbl' | 'skip';

interface Group {
  char: CharStyle;
  destination: Destination;
  /** \ucN: how many fallback characters follow each \u. */
  uc: number;
}

/** Plain text: no RTF markup at all. Line feeds break lines. */
const isPlain = (value: string) => !/[\\{}]/.test(value);

export function parseRtf(value: string, form: Form): TextDocument {
  const doc: TextDocument = { fonts: new Map(), paragraphs: [], vertical: 'top', margins: { left: 0, right: 0, top: 0, bottom: 0 }, copyfitLines: 0, copyfitMaxLines: 0 };
  if (isPlain(value)) {
    doc.paragraphs.push({ style: { ...DEFAULT_PARAGRAPH }, runs: value === '' ? [] : [{ text: value.replace(/\r\n?/g, '\n'), style: { ...DEFAULT_CHAR } }] });
    return doc;
  }
  return new Reader(value, form, doc).read();
}

class Reader {
  private paragraph: Paragraph = { style: { ...DEFAULT_PARAGRAPH }, runs: [] };
  private readonly stack: Group[] = [];
  private group: Group = { char: { ...DEFAULT_CHAR }, destination: 'text', uc: 1 };
  private readonly colors = new ColorTables();
  private readonly tokens: Tokenizer;
  private fontNumber = 0;
  private fontName = '';
  private skipFallback = 0;

  constructor(
    src: string,
    private readonly form: Form,
    private readonly doc: TextDocument,
  ) {
    this.tokens = new Tokenizer(src);
  }

  read(): TextDocument {
    for (let token = this.tokens.next(); token; token = this.tokens.next()) this.take(token);
    if (this.paragraph.runs.length > 0 || this.doc.paragraphs.length === 0) this.doc.paragraphs.push(this.paragraph);
    // Open groups at the end are closed, as RTF readers do; a stray '}' was refused on the way.
    for (const p of this.doc.paragraphs) for (const run of p.runs) run.style = { ...run.style, color: this.colors.colorAt(run.style.colorIndex, this.form) };
    return this.doc;
  }

  private take(token: Token): void {
    switch (token.kind) {
      case 'open':
        if (this.stack.length >= MAX_DEPTH) throw forbidden(`Malformed RTF: groups nest more than ${MAX_DEPTH} deep`);
        this.stack.push(this.group);
        this.group = { ...this.group, char: { ...this.group.char } };
        return;
      case 'close': {
        const outer = this.stack.pop();
        if (!outer) throw forbidden('Malformed RTF: a } closes no group');
        this.endGroup();
        this.group = outer;
        return;
      }
      case 'star': {
        // \*\word: a destination; skipped unless it is one we read.
        const save = this.tokens.pos;
        const word = this.tokens.next();
        if (word?.kind === 'word' && word.word === 'iscolortbl') return void (this.group.destination = 'iscolortbl');
        this.tokens.pos = save;
        this.group.destination = 'skip';
        return;
      }
      case 'text':
        return this.text(token.text!);
      case 'word':
        return this.word(token.word!, token.param);
    }
  }

  /** Leaving a table group ends its last entry. */
  private endGroup(): void {
    const d = this.group.destination;
    if (d === 'fonttbl' && this.fontName.trim() !== '') this.endFont();
  }

  private text(text: string): void {
    let t = text;
    if (this.skipFallback > 0) {
      const drop = Math.min(this.skipFallback, t.length);
      this.skipFallback -= drop;
      t = t.slice(drop);
    }
    if (t === '') return;
    switch (this.group.destination) {
      case 'skip':
        return;
      case 'fonttbl':
        for (const ch of t) {
          if (ch === ';') this.endFont();
          else this.fontName += ch;
        }
        return;
      case 'colortbl':
      case 'cmykcolortbl': {
        const table = this.group.destination;
        for (const ch of t) if (ch === ';') this.colors.endEntry(table);
        return;
      }
      case 'iscolortbl':
        this.colors.isText(t);
        return;
      case 'text':
        this.append(t);
    }
  }

  private append(text: string): void {
    const style = this.group.char;
    const last = this.paragraph.runs.at(-1);
    if (last && last.style === style) last.text += text;
    else this.paragraph.runs.push({ text, style });
  }

  /** A style change: later text gets a copy, so runs already read keep theirs. */
  private set<K extends keyof CharStyle>(key: K, value: CharStyle[K]): void {
    this.group.char = { ...this.group.char, [key]: value };
  }

  private endFont(): void {
    this.doc.fonts.set(this.fontNumber, this.fontName.trim());
    this.fontName = '';
  }

  private word(word: string, param: number | undefined): void {
    const g = this.group;
    const on = param === undefined || param !== 0;
    if (SKIPPED.has(word)) return void (g.destination = 'skip');
    if (g.destination === 'skip') return;
    switch (word) {
      case 'fonttbl':
        g.destination = 'fonttbl';
        return;
      case 'colortbl':
        g.destination = 'colortbl';
        return;
      case 'cmykcolortbl':
        g.destination = 'cmykcolortbl';
        return;
      case 'red':
      case 'green':
      case 'blue':
        if (g.destination === 'colortbl') this.colors.component(word[0] as 'r' | 'g' | 'b', param ?? 0);
        return;
      case 'cyan':
      case 'magenta':
      case 'yellow':
      case 'black': {
        const key = ({ cyan: 'c', magenta: 'm', yellow: 'y', black: 'k' } as const)[word];
        if (g.destination === 'cmykcolortbl') this.colors.component(key, param ?? 0);
        return;
      }
      case 'f':
        if (g.destination === 'fonttbl') {
          if (this.fontName.trim() !== '') this.endFont();
          this.fontNumber = param ?? 0;
          this.fontName = '';
        } else this.set('font', param ?? 0);
        return;
      case 'u': {
        const code = (param ?? 0) < 0 ? (param ?? 0) + 65536 : (param ?? 0);
        this.text(String.fromCharCode(code));
        this.skipFallback = g.uc;
        return;
      }
      case 'uc':
        g.uc = Math.max(0, Math.min(8, param ?? 1));
        return;
    }
    if (g.destination !== 'text') return;
    this.character(word, param, on) || this.paragraphWord(word, param) || this.documentWord(word, param);
  }

  private character(word: string, param: number | undefined, on: boolean): boolean {
    switch (word) {
      case 'plain':
        this.group.char = { ...DEFAULT_CHAR, font: this.group.char.font };
        return true;
      case 'fs':
        this.set('size', Math.max(1, param ?? 24));
        return true;
      case 'copyfit':
        this.set('copyfit', Math.max(0, param ?? 0));
        return true;
      case 'b':
        this.set('bold', on);
        return true;
      case 'i':
        this.set('italic', on);
        return true;
      case 'ulnone':
        this.set('underline', false);
        return true;
      case 'cf':
        this.set('colorIndex', Math.max(0, param ?? 0));
        return true;
      case 'up':
        this.set('shift', param ?? 6);
        return true;
      case 'dn':
        this.set('shift', -(param ?? 6));
        return true;
      case 'super':
      case 'sub':
        this.set('script', true);
        // A third of the size up, or a sixth down, as word processors place them.
        this.set('shift', word === 'super' ? Math.round(this.group.char.size / 3) : -Math.round(this.group.char.size / 6));
        return true;
      case 'nosupersub':
        this.set('script', false);
        this.set('shift', 0);
        return true;
      case 'expnd':
        this.set('spacing', (param ?? 0) * 5);
        return true;
      case 'expndtw':
        this.set('spacing', param ?? 0);
        return true;
      case 'kerning':
        this.set('kerning', on);
        return true;
      case 'caps':
      case 'scaps':
        this.set('caps', on);
        return true;
      case 'charscalex':
        this.set('scaleX', Math.min(1000, Math.max(1, param ?? 100)));
        return true;
      case 'rtlch':
        this.set('rtl', true);
        return true;
      case 'ltrch':
        this.set('rtl', false);
        return true;
      case 'par':
        this.doc.paragraphs.push(this.paragraph);
        this.paragraph = { style: { ...this.paragraph.style }, runs: [] };
        return true;
      case 'line':
        this.append('\n');
        return true;
      case 'tab':
        this.append('\t');
        return true;
    }
    if (UNDERLINES.has(word) || word === 'ul0') {
      this.set('underline', word !== 'ul0' && on);
      return true;
    }
    return false;
  }

  private paragraphWord(word: string, param: number | undefined): boolean {
    const p = this.paragraph.style;
    const twips = param ?? 0;
    switch (word) {
      case 'pard':
        this.paragraph.style = { ...DEFAULT_PARAGRAPH };
        return true;
      case 'ql':
      case 'qr':
      case 'qc':
      case 'qj':
        p.align = ({ ql: 'left', qr: 'right', qc: 'center', qj: 'justify' } as const)[word];
        return true;
      case 'li':
        p.leftIndent = twips;
        return true;
      case 'ri':
        p.rightIndent = twips;
        return true;
      case 'fi':
        p.firstIndent = twips;
        return true;
      case 'sb':
        p.spaceBefore = Math.max(0, twips);
        return true;
      case 'sa':
        p.spaceAfter = Math.max(0, twips);
        return true;
      case 'sl':
        p.lineSpacing = twips;
        return true;
      case 'slmult':
        p.lineMultiple = twips === 1;
        return true;
    }
    return false;
  }

  private documentWord(word: string, param: number | undefined): boolean {
    const d = this.doc;
    const twips = Math.max(0, param ?? 0);
    switch (word) {
      case 'vertalt':
      case 'vertalc':
      case 'vertalb':
        d.vertical = ({ vertalt: 'top', vertalc: 'center', vertalb: 'bottom' } as const)[word];
        return true;
      case 'margl':
        d.margins.left = twips;
        return true;
      case 'margr':
        d.margins.right = twips;
        return true;
      case 'margt':
        d.margins.top = twips;
        return true;
      case 'margb':
        d.margins.bottom = twips;
        return true;
      case 'copyfitlines':
        d.copyfitLines = twips;
        return true;
      case 'copyfitmaxlines':
        d.copyfitMaxLines = twips;
        return true;
    }
    return false;
  }
}

