import { connect } from 'node:net';

/**
 * The connection-level attacks of the hardening issues, run beside a load for a fixed time: thirty
 * clients that request a 12 MB reply and never read it (a new one every 500 ms, each left open), and
 * a connection pipelining 50 requests at a time.
 */
export interface AttackResult {
  slowReaders: { opened: number; counts: Record<string, number> };
  pipelined: { batches: number; counts: Record<string, number> };
  /** Statuses the protocol never gives under load (anything but 200, 304, 403 and 503). */
  unexpected: string[];
}

const EXPECTED = new Set([200, 304, 403, 503]);
const SLOW_READERS = 30;

export async function startAttacks(baseUrl: string, seconds: number): Promise<AttackResult> {
  const { hostname, port } = new URL(baseUrl);
  const end = Date.now() + seconds * 1000;
  const result: AttackResult = { slowReaders: { opened: 0, counts: {} }, pipelined: { batches: 0, counts: {} }, unexpected: [] };
  const count = (counts: Record<string, number>, status: number, what: string) => {
    counts[status] = (counts[status] ?? 0) + 1;
    if (!EXPECTED.has(status)) result.unexpected.push(`${status} for ${what}`);
  };
  const sockets: ReturnType<typeof connect>[] = [];

  const slowReaders = (async () => {
    while (Date.now() < end && result.slowReaders.opened < SLOW_READERS) {
      const socket = connect(Number(port), hostname);
      sockets.push(socket);
      result.slowReaders.opened++;
      let head = '';
      const onData = (c: Buffer) => {
        head += c.toString('latin1', 0, 64);
        const status = /^HTTP\/1\.1 (\d{3})/.exec(head);
        if (status) {
          count(result.slowReaders.counts, Number(status[1]), 'a slow reader');
          socket.off('data', onData);
          socket.pause();
        }
      };
      socket.on('data', onData);
      socket.on('error', () => {});
      socket.write('GET /is/image/noise.png?scl=1&fmt=png-alpha HTTP/1.1\r\nHost: x\r\n\r\n');
      await new Promise((r) => setTimeout(r, 500));
    }
  })();

  const pipelined = (async () => {
    while (Date.now() < end) {
      const socket = connect(Number(port), hostname);
      sockets.push(socket);
      result.pipelined.batches++;
      await new Promise<void>((resolve) => {
        let text = '';
        let seen = 0;
        const done = () => {
          socket.destroy();
          resolve();
        };
        const timer = setTimeout(done, Math.max(0, end - Date.now()) + 5000);
        socket.on('data', (c: Buffer) => {
          text += c.toString('latin1');
          const statuses = [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)];
          for (const m of statuses) count(result.pipelined.counts, Number(m[1]), 'a pipelined request');
          seen += statuses.length;
          // Keep only what follows the last status line (a status line may be split across chunks).
          const last = statuses.at(-1);
          text = last ? text.slice(last.index! + last[0].length) : text.slice(-16);
          if (seen >= 50) {
            clearTimeout(timer);
            done();
          }
        });
        socket.on('error', done);
        socket.write(Array.from({ length: 50 }, (_, i) => `GET /is/image/pic.png?wid=${120 + i} HTTP/1.1\r\nHost: x\r\n\r\n`).join(''));
      });
    }
  })();

  await Promise.all([slowReaders, pipelined]);
  for (const s of sockets) s.destroy();
  return result;
}
