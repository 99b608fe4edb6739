import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IsError } from '../../src/protocol/errors.ts';
import { expandMacros } from '../../src/protocol/expand.ts';

test('macro expansion stops at the cap before it copies anything more', () => {
  const big = Array.from({ length: 100 }, () => ({ name: 'op_brightness', value: '1' }));
  const lookup = () => big;
  assert.equal(expandMacros([{ name: '$big$', value: undefined }, { name: '$big$', value: undefined }], lookup, 200).length, 200);
  assert.throws(() => expandMacros([{ name: '$big$', value: undefined }, { name: '$big$', value: undefined }, { name: 'wid', value: '1' }], lookup, 200), IsError);
  assert.throws(() => expandMacros(Array.from({ length: 1300 }, () => ({ name: '$big$', value: undefined })), lookup, 1000), /more than 1000 commands/);
});
