import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * What one client may hold of the server: requests in progress per connection (HTTP/1.1
 * pipelining would otherwise let one connection fill the render queue), and the reply bytes that
 * clients have not read yet (a client that reads nothing would otherwise pin its reply forever).
 */
export interface ConnectionLimits {
  /** Requests of one connection handled at once; later ones wait, and the socket is not read. */
  perConnection: number;
  /** A reply that makes no progress for this long closes its connection. */
  sendIdleMs: number;
  /** The whole request, reply included; the reply always gets at least sendIdleMs. */
  requestMs: number;
  /** Reply bytes handed over but not yet flushed, summed over all clients. */
  maxUnsentBytes: number;
}

interface ConnectionState {
  active: number;
  waiting: (() => void)[];
}

export class ConnectionGuard {
  private readonly connections = new WeakMap<Socket, ConnectionState>();
  /** Reply bytes of responses not yet finished. */
  unsentBytes = 0;

  constructor(private readonly limits: ConnectionLimits) {}

  /** Runs `handle` when the connection has room, and counts it until its response closes. */
  admit(req: IncomingMessage, res: ServerResponse, handle: () => void): void {
    const socket = req.socket;
    let state = this.connections.get(socket);
    if (!state) this.connections.set(socket, (state = { active: 0, waiting: [] }));
    const current = state;
    const start = () => {
      current.active++;
      res.once('close', () => {
        current.active--;
        const next = current.waiting.shift();
        if (next) next();
        else socket.resume();
      });
      handle();
    };
    if (current.active < this.limits.perConnection) return start();
    socket.pause();
    current.waiting.push(start);
  }

  /** Whether replies already held for slow readers leave no room for another. */
  get full(): boolean {
    return this.unsentBytes >= this.limits.maxUnsentBytes;
  }

  /**
   * Checked again with the reply in hand: many renders can pass the check above at once, so this
   * is what keeps the total under the cap (one reply always fits, or a large one could never go).
   */
  admits(bytes: number): boolean {
    return this.unsentBytes === 0 || this.unsentBytes + bytes <= this.limits.maxUnsentBytes;
  }

  /**
   * Called once a reply of `bytes` has been handed to the response: counted as unsent until it is
   * flushed, and bounded in time by the send deadline and the idle timeout.
   */
  sending(res: ServerResponse, bytes: number, receivedAt: number): void {
    if (res.writableFinished) return;
    this.unsentBytes += bytes;
    const { sendIdleMs, requestMs } = this.limits;
    res.setTimeout(sendIdleMs, () => res.destroy());
    // Unref'd: a pipelined response that never got its turn before its socket died emits no event.
    const deadline = setTimeout(() => res.destroy(), Math.max(sendIdleMs, receivedAt + requestMs - Date.now())).unref();
    let done = false;
    const settle = () => {
      if (done) return;
      done = true;
      clearTimeout(deadline);
      this.unsentBytes -= bytes;
    };
    res.once('finish', settle);
    res.once('close', settle);
  }
}
