import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from '../../src/observe/log.ts';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { stream, lines };
}

test('logs are JSON lines, or human-readable in a terminal', () => {
  process.env.ISLE_LOG_LEVEL = 'info';
  try {
    const json = capture();
    createLogger(false, json.stream).info({ status: 200, ms: 12 }, 'request');
    const entry = JSON.parse(json.lines.join(''));
    assert.deepEqual([entry.msg, entry.status, entry.ms, entry.level], ['request', 200, 12, 30]);
    const human = capture();
    createLogger(true, human.stream).info({ workers: 2 }, 'started');
    const text = human.lines.join('');
    assert.match(text, /INFO.*started.*workers.*2/);
    assert.throws(() => JSON.parse(text));
  } finally {
    process.env.ISLE_LOG_LEVEL = 'silent';
  }
});

test('in a terminal a request is one line like an access log, with the reason of a refusal', () => {
  process.env.ISLE_LOG_LEVEL = 'info';
  try {
    const human = capture();
    const logger = createLogger(true, human.stream);
    logger.info({ method: 'GET', url: '/is/image/a?wid=9000', status: 403, bytes: 120, ms: 3, client: '127.0.0.1', id: 'abc', ua: 'curl/8', req: 'img', errorMessage: 'MaxPix exceeded' }, 'request');
    logger.info({ method: 'GET', url: '/is/image/a?wid=90', status: 200, bytes: 5120, ms: 40, client: '127.0.0.1', id: 'def', req: 'img', worker: 2, queueMs: 1 }, 'request');
    logger.warn({ workerId: 3, reason: 'heap' }, 'worker replaced');
    const lines = human.lines.join('').trimEnd().split('\n');
    assert.equal(lines.length, 3, lines.join('\n'));
    assert.match(lines[0]!, /^\[[\d:.]+\] GET \/is\/image\/a\?wid=9000 403 120 B 3 ms 127\.0\.0\.1 abc MaxPix exceeded$/);
    assert.match(lines[1]!, /GET \/is\/image\/a\?wid=90 200 5120 B 40 ms w2\+1ms 127\.0\.0\.1 def$/);
    // Other entries keep their fields.
    assert.match(lines[2]!, /WARN.*worker replaced.*workerId.*3.*reason.*heap/);
  } finally {
    process.env.ISLE_LOG_LEVEL = 'silent';
  }
});
