import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromWire, IsError, toWire } from '../../src/protocol/errors.ts';

test('an IsError crosses a worker boundary (structured clone) with every field', () => {
  const original = new IsError(503, 'The server is busy', 7, true, 'queue full: 16 waiting');
  const back = fromWire(structuredClone(toWire(original)));
  assert.ok(back instanceof IsError);
  assert.deepEqual([back.status, back.message, back.retryAfter, back.missingImage, back.logReason], [503, 'The server is busy', 7, true, 'queue full: 16 waiting']);
  // A plain clone of the error itself loses them: the reason the wire form exists.
  const cloned = structuredClone(original) as Partial<IsError>;
  assert.equal(cloned.retryAfter, undefined);
});
