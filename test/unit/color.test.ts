import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseColor } from '../../src/protocol/color.ts';
import { IsError } from '../../src/protocol/errors.ts';

// The examples of https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/data-types/r-is-http-color
test("colour forms of the reference (the color data type page's examples)", () => {
  const cases: [string, [number, number, number, number]][] = [
    ['0,100,200', [0, 100, 200, 255]],
    ['0,100,200,200rs', [0, 100, 200, 200]],
    ['0x010203S', [1, 2, 3, 255]],
    ['a0b1c2d3R', [160, 177, 194, 211]],
    ['100S', [255, 255, 255, 255]],
    ['50,75g', [128, 128, 128, 191]],
    ['0X70G', [112, 112, 112, 255]],
    ['0xddeegs', [221, 221, 221, 238]],
    ['ffffff', [255, 255, 255, 255]],
    ['255,255,255', [255, 255, 255, 255]],
    ['0,0,0,100k', [0, 0, 0, 255]],
    ['0,0,0,0k', [255, 255, 255, 255]],
  ];
  for (const [input, [r, g, b, a]] of cases) assert.deepEqual(parseColor(input), { r, g, b, a }, input);
});

test('malformed colours are a 403', () => {
  for (const bad of ['', 'red', '300,0,0', 'fffff', '0xfffffffffffff', '1,2,3,4,5', '50,50,50,50,50,50k', '101']) {
    assert.throws(() => parseColor(bad), IsError, bad);
  }
});
