import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatProperties, javaDate } from '../../src/protocol/properties.ts';

test('Java Date.toString() layout, in UTC', () => {
  assert.equal(javaDate(new Date(Date.UTC(2014, 6, 5, 7, 8, 9))), 'Sat Jul 05 07:08:09 UTC 2014');
});

test('properties text: header, date, escaped key=value lines', () => {
  const text = formatProperties([['a.b', 'x=y:z'], ['msg', 'line\nbreak\\ é'], ['n', 5]], true, new Date(0));
  assert.equal(text, '#S7Z OK\n#Thu Jan 01 00:00:00 UTC 1970\na.b=x\\=y\\:z\nmsg=line\\nbreak\\\\ \\u00E9\nn=5\n');
  assert.match(formatProperties([], false), /^#S7Z ERR\n/);
});
