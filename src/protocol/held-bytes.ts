import { forbidden, unavailable } from './errors.ts';

/** A request's hold on bytes of a server-wide budget (HeldBytes.holder). */
export interface Holder {
  grow(bytes: number): void;
  /** Grows the hold to `bytes` in all (a body from a cache, which no download grew). */
  growTo(bytes: number): void;
  release(): void;
}

/**
 * Bytes that all requests in progress may hold at once (foreign bodies, source files read for a
 * job), each request's hold grown before it takes the bytes and released when its render is done:
 * past the budget the server is full (503 with Retry-After), and a hold that alone would pass it
 * is a request too big for this server (403).
 */
export class HeldBytes {
  private heldBytes = 0;

  constructor(
    private readonly max: number,
    /** How the refusals name what is held: 'A foreign source', 'foreign sources', 'max-fetch-held'. */
    private readonly words: { one: string; many: string; option: string },
  ) {}

  holder(): Holder {
    let size = 0;
    let released = false;
    const holder: Holder = {
      grow: (bytes) => {
        if (released || bytes <= 0) return;
        if (size + bytes > this.max) throw forbidden(`${this.words.one} is larger than this server's limit of ${this.max} bytes held at once (${this.words.option})`);
        if (this.heldBytes + bytes > this.max) throw unavailable(`The server holds too many ${this.words.many} for requests in progress`, 1);
        this.heldBytes += bytes;
        size += bytes;
      },
      growTo: (bytes) => {
        if (bytes > size) holder.grow(bytes - size);
      },
      release: () => {
        if (released) return;
        released = true;
        this.heldBytes -= size;
      },
    };
    return holder;
  }

  /** What requests in progress hold now. */
  get held(): number {
    return this.heldBytes;
  }
}
