/**
 * An EPS writer in Photoshop's manner, for tests: header comments, then `%ImageData:` (columns,
 * rows, depth 8, mode 1 grey / 3 RGB / 4 CMYK, pad channels, block size 1 or the width, encoding 1
 * binary, 2 ASCII hex, 3 ASCII85, 4 JPEG, 5 ASCII85 JPEG, and the data-start string), then a
 * program that defines `beginimage` to draw the samples that follow it, so Ghostscript renders the
 * file as Photoshop's does; optionally wrapped in the DOS EPS binary header.
 */
export interface EpsOptions {
  width: number;
  height: number;
  mode: 1 | 3 | 4;
  /** Samples, pixel-interleaved, `channels` a pixel. */
  samples: Uint8Array;
  encoding: 'binary' | 'hex' | 'ascii85' | 'jpeg' | 'ascii85-jpeg';
  /** The JPEG the file carries, for the JPEG encodings. */
  jpeg?: Uint8Array;
  /** Rows written channel after channel (block size = width), with this many pad channels of 0x80 after the colours. */
  lineInterleaved?: boolean;
  pad?: number;
  dos?: boolean;
  /** Photoshop's image resources, written as it writes them: hex lines between %BeginPhotoshop and %EndPhotoshop. */
  photoshop?: Uint8Array;
}

const CODES = { binary: 1, hex: 2, ascii85: 3, jpeg: 4, 'ascii85-jpeg': 5 } as const;
const ENCODE = { binary: '', hex: '/ASCIIHexDecode filter', ascii85: '/ASCII85Decode filter', jpeg: '/DCTDecode filter', 'ascii85-jpeg': '/ASCII85Decode filter /DCTDecode filter' };

export function ascii85(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 4) {
    const chunk = [0, 1, 2, 3].map((k) => bytes[i + k] ?? 0);
    const v = ((chunk[0]! << 24) | (chunk[1]! << 16) | (chunk[2]! << 8) | chunk[3]!) >>> 0;
    const kept = Math.min(4, bytes.length - i);
    if (v === 0 && kept === 4) {
      out += 'z';
      continue;
    }
    const digits: string[] = [];
    let n = v;
    for (let k = 0; k < 5; k++) {
      digits.unshift(String.fromCharCode(33 + (n % 85)));
      n = Math.floor(n / 85);
    }
    out += digits.slice(0, kept + 1).join('');
  }
  return out.replace(/.{1,72}/g, '$&\n') + '~>';
}

const lines = (text: string) => text.replace(/.{1,72}/g, '$&\n');

export function writeEps(o: EpsOptions): Uint8Array {
  const { width: w, height: h, mode } = o;
  const channels = mode === 1 ? 1 : mode;
  const pad = o.pad ?? 0;
  let raw: Uint8Array;
  if (o.lineInterleaved || pad > 0) {
    const per = channels + pad;
    raw = new Uint8Array(w * h * per);
    for (let y = 0; y < h; y++) {
      for (let c = 0; c < per; c++) {
        for (let x = 0; x < w; x++) {
          const v = c < channels ? o.samples[(y * w + x) * channels + c]! : 0x80;
          raw[o.lineInterleaved ? (y * per + c) * w + x : (y * w + x) * per + c] = v;
        }
      }
    }
  } else raw = o.samples;
  const block = o.lineInterleaved ? w : 1;
  const body =
    o.encoding === 'binary' ? raw : o.encoding === 'hex' ? lines(Buffer.from(raw).toString('hex')) : o.encoding === 'ascii85' ? ascii85(raw) : o.encoding === 'jpeg' ? o.jpeg! : ascii85(o.jpeg!);
  const colour = mode === 1 ? '/DeviceGray' : mode === 3 ? '/DeviceRGB' : '/DeviceCMYK';
  // Pixel-interleaved data without pad channels is drawn; Ghostscript is not asked to draw the others.
  const program = [
    'gsave',
    `${w} ${h} scale`,
    `/beginimage { ${colour} setcolorspace << /ImageType 1 /Width ${w} /Height ${h} /BitsPerComponent 8 /Decode [${Array(channels).fill('0 1').join(' ')}]`,
    `  /ImageMatrix [${w} 0 0 -${h} 0 ${h}] /DataSource currentfile ${ENCODE[o.encoding]} >> image } def`,
  ];
  const head = [
    '%!PS-Adobe-3.0 EPSF-3.0',
    '%%Creator: Adobe Photoshop Version 24.0 (Isle test writer)',
    `%%BoundingBox: 0 0 ${w} ${h}`,
    '%%EndComments',
    '%%BeginProlog',
    '%%EndProlog',
    `%ImageData: ${w} ${h} 8 ${mode} ${pad} ${block} ${CODES[o.encoding]} "beginimage"`,
    ...(o.photoshop ? [`%BeginPhotoshop: ${o.photoshop.length}`, ...Buffer.from(o.photoshop).toString('hex').toUpperCase().match(/.{1,64}/g)!.map((l) => `% ${l}`), '%EndPhotoshop'] : []),
    ...program,
    ...(o.encoding === 'binary' || o.encoding === 'jpeg' ? [`%%BeginBinary: ${body.length + 11}`] : []),
    'beginimage',
    '',
  ].join('\n');
  const tail = `${o.encoding === 'binary' || o.encoding === 'jpeg' ? '\n%%EndBinary' : ''}\ngrestore\n%%EOF\n`;
  const ps = Buffer.concat([Buffer.from(head, 'latin1'), typeof body === 'string' ? Buffer.from(body, 'latin1') : Buffer.from(body), Buffer.from(tail, 'latin1')]);
  if (!o.dos) return new Uint8Array(ps);
  const header = Buffer.alloc(30);
  Buffer.from([0xc5, 0xd0, 0xd3, 0xc6]).copy(header);
  header.writeUInt32LE(30, 4);
  header.writeUInt32LE(ps.length, 8);
  header.writeUInt16LE(0xffff, 28);
  return new Uint8Array(Buffer.concat([header, ps, Buffer.from('trailing preview bytes')]));
}
