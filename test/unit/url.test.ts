import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { lastWins } from '../../src/protocol/command-map.ts';
import { IsError } from '../../src/protocol/errors.ts';
import { parseModifiers, parseRequestTarget } from '../../src/protocol/url.ts';

describe('URL parsing (basic syntax, decoding, escaping, comments)', () => {
  test('splits context, decoded path elements and modifiers', () => {
    const url = parseRequestTarget('/is/image/My%20Cat/a+b%3Ac?wid=100&HEI=50');
    assert.equal(url.context, '/is/image');
    assert.deepEqual(url.path, ['My Cat', 'a b:c']);
    assert.deepEqual(url.modifiers, [
      { name: 'wid', value: '100' },
      { name: 'hei', value: '50' },
    ]);
  });

  test('splits on & and = before decoding values, so %26 %3D %2C survive into the value', () => {
    assert.deepEqual(parseModifiers('align=0%2C-1&x=a%26b%3Dc&qlt=90%2c0'), [
      { name: 'align', value: '0,-1' },
      { name: 'x', value: 'a&b=c' },
      { name: 'qlt', value: '90,0' },
    ]);
  });

  test('command names are case-insensitive, values keep their case', () => {
    assert.deepEqual(parseModifiers('FMT=PNG-Alpha&Name=MyFile.PNG'), [
      { name: 'fmt', value: 'PNG-Alpha' },
      { name: 'name', value: 'MyFile.PNG' },
    ]);
  });

  test('empty modifiers and .comments are ignored; a bare name has no value', () => {
    assert.deepEqual(parseModifiers('&&.ts=123&wid=5&.comment&op_sharpen&&'), [
      { name: 'wid', value: '5' },
      { name: 'op_sharpen', value: undefined },
    ]);
  });

  test('macros keep their case-carrying $ name, encoded or not', () => {
    assert.deepEqual(parseModifiers('%24large%24&$var=1'), [
      { name: '$large$', value: undefined },
      { name: '$var', value: '1' },
    ]);
  });

  test('malformed and overlong UTF-8 escapes are a 403 parse error', () => {
    for (const bad of ['wid=%zz', 'name=%c0%ae%c0%ae', 'x=%']) {
      assert.throws(() => parseModifiers(bad), (e: unknown) => e instanceof IsError && e.status === 403);
    }
    assert.throws(() => parseRequestTarget('/is/image/%c0%ae%c0%ae/x'), IsError);
  });

  test('the last occurrence of a command wins', () => {
    const commands = lastWins(parseModifiers('wid=1&hei=2&wid=3'));
    assert.equal(commands.get('wid'), '3');
    assert.deepEqual([...commands.keys()], ['hei', 'wid']);
  });
});
