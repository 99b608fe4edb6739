import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from '../../src/server/log.ts';

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
    createLogger(true, human.stream).info({ status: 200 }, 'request');
    const text = human.lines.join('');
    assert.match(text, /INFO.*request/);
    assert.throws(() => JSON.parse(text));
  } finally {
    process.env.ISLE_LOG_LEVEL = 'silent';
  }
});
