import { forbidden } from '../protocol/errors.ts';

/** RTF's tokens: control words with their parameter, text (escapes decoded), group braces, and \*. */

export interface Token {
  kind: 'word' | 'text' | 'open' | 'close' | 'star';
  word?: string;
  param?: number;
  text?: string;
}

const cp1252 = new TextDecoder('windows-1252');

export class Tokenizer {
  /** Where the next token starts: a reader that peeks past \* puts it back. */
  pos = 0;

  constructor(private readonly src: string) {}

  next(): Token | undefined {
    const s = this.src;
    if (this.pos >= s.length) return undefined;
    const c = s[this.pos]!;
    if (c === '{') return this.pos++, { kind: 'open' };
    if (c === '}') return this.pos++, { kind: 'close' };
    if (c === '\\') {
      const d = s[this.pos + 1];
      if (d === undefined) throw forbidden('Malformed RTF: the text ends with a backslash');
      if (/[a-zA-Z]/.test(d)) {
        const m = /^\\([a-zA-Z]{1,32})(-?\d{1,10})? ?/.exec(s.slice(this.pos, this.pos + 48))!;
        this.pos += m[0].length;
        return { kind: 'word', word: m[1]!.toLowerCase(), param: m[2] === undefined ? undefined : Number(m[2]) };
      }
      this.pos += 2;
      switch (d) {
        case '\\':
        case '{':
        case '}':
          return { kind: 'text', text: d };
        case '~':
          return { kind: 'text', text: '\u00a0' };
        case '_':
          return { kind: 'text', text: '\u2011' };
        case '-':
          return { kind: 'text', text: '' };
        case '*':
          return { kind: 'star' };
        case '\n':
        case '\r':
          return { kind: 'word', word: 'par' };
        case "'": {
          const hex = s.slice(this.pos, this.pos + 2);
          if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw forbidden("Malformed RTF: \\' needs two hex digits");
          this.pos += 2;
          return { kind: 'text', text: cp1252.decode(Uint8Array.of(parseInt(hex, 16))) };
        }
        default:
          return { kind: 'text', text: '' };
      }
    }
    let end = this.pos;
    while (end < s.length && !'{}\\'.includes(s[end]!)) end++;
    // Raw line breaks are not text in RTF.
    const text = s.slice(this.pos, end).replace(/[\r\n]/g, '');
    this.pos = end;
    return { kind: 'text', text };
  }
}
