import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { interpretImageRequest } from '../../src/protocol/commands.ts';
import { IsError } from '../../src/protocol/errors.ts';
import { parseModifiers } from '../../src/protocol/url.ts';
import { layoutView, type ViewLimits } from '../../src/planning/view.ts';

const DEFAULTS = { jpegQuality: { quality: 80, fullChroma: false }, resampling: 'lanczos3' as const, resolution: 72, formatAuto: true, browserFormatConversion: false };
const SOURCE = { width: 2000, height: 1000 };
const LIMITS: ViewLimits = { defaultSize: { width: 400, height: 400 }, maxSize: { width: 2000, height: 2000 }, upscaleWithoutFit: true };

const layout = (query: string, limits = LIMITS, source = SOURCE) =>
  layoutView(interpretImageRequest(parseModifiers(query), DEFAULTS).view, source, limits);
const size = (query: string, limits = LIMITS) => {
  const { canvas } = layout(query, limits);
  return `${canvas.width}x${canvas.height}`;
};

describe('the worked examples of the view model (source 2000x1000, DefaultPix 400,400, MaxPix 2000,2000)', () => {
  const examples: [string, string][] = [
    ['', '400x200'],
    ['scl=1', '2000x1000'],
    ['scl=4', '500x250'],
    ['wid=300', '300x150'],
    ['hei=300', '600x300'],
    ['wid=300&hei=300', '300x300'],
    ['wid=300&hei=300&align=0,-1', '300x300'],
    ['wid=300&hei=300&fit=constrain', '300x150'],
    ['wid=300&hei=300&fit=crop', '300x300'],
    ['wid=300&hei=300&fit=wrap', '600x300'],
    ['wid=300&hei=300&fit=stretch', '300x300'],
    ['scl=2&wid=300&hei=300', '300x300'],
    ['scl=1&rect=0,0,500,500', '500x500'],
  ];
  for (const [query, expected] of examples) test(`?${query} -> ${expected}`, () => assert.equal(size(query), expected));

  test('?wid=3000 -> 403, exceeds MaxPix', () => {
    assert.throws(() => size('wid=3000'), (e: unknown) => e instanceof IsError && e.status === 403 && /MaxPix/.test(e.message));
  });

  test('fit (default): image 300x150 centred, bands above and below', () => {
    const l = layout('wid=300&hei=300');
    assert.equal(l.scaleX, 0.15);
    assert.equal(l.offsetX, 0);
    assert.equal(l.offsetY, 75);
  });

  test('align=0,-1 puts the image at the top', () => assert.equal(layout('wid=300&hei=300&align=0,-1').offsetY, 0));

  test('fit=crop scales to 600x300 and takes the centre', () => {
    const l = layout('wid=300&hei=300&fit=crop');
    assert.equal(l.scaleX, 0.3);
    assert.equal(l.offsetX, -150);
    assert.equal(l.offsetY, 0);
  });

  test('fit=crop with align=-1,0 takes the left end, align=1,0 the right end', () => {
    assert.ok(layout('wid=300&hei=300&fit=crop&align=-1,0').offsetX === 0);
    assert.equal(layout('wid=300&hei=300&fit=crop&align=1,0').offsetX, -300);
  });

  test('scl=2 with wid/hei: 1000x500 scaled, centre-cropped to 300x300', () => {
    const l = layout('scl=2&wid=300&hei=300');
    assert.equal(l.scaleX, 0.5);
    assert.equal(l.offsetX, -350);
    assert.equal(l.offsetY, -100);
  });

  test('rect=0,0,500,500 with scl=1 is the top-left tile', () => {
    const l = layout('scl=1&rect=0,0,500,500');
    assert.deepEqual([l.offsetX, l.offsetY, l.scaleX], [0, 0, 1]);
  });

  test('rect lets a view larger than MaxPix be fetched in tiles, each checked against MaxPix', () => {
    assert.equal(size('scl=0.5&rect=2000,1000,1000,1000'), '1000x1000');
    assert.throws(() => size('scl=0.5'), IsError);
  });

  test('req=props (describeOnly) gives the size of a view larger than MaxPix; dpr= is capped as for the image', () => {
    const describe = { ...LIMITS, describeOnly: true };
    assert.equal(size('scl=0.5', describe), '4000x2000');
    assert.equal(size('wid=1500&dpr=on,2', describe), size('wid=1500&dpr=on,2'));
    assert.equal(size('wid=1500&dpr=on,2'), '2000x1000');
  });
});

describe('fit modes and the upscale flag', () => {
  const small = { width: 100, height: 50 };
  const fitted = (query: string, limits = LIMITS) => {
    const l = layout(query, limits, small);
    return [l.canvas.width, l.canvas.height, +l.scaleX.toFixed(3), +l.scaleY.toFixed(3)];
  };
  test('fit=fit,0 does not enlarge: the 100x50 image stays 1:1 in a 300x300 canvas', () =>
    assert.deepEqual(fitted('wid=300&hei=300&fit=fit,0'), [300, 300, 1, 1]));
  test('fit=fit,1 enlarges to 300x150 inside 300x300', () => assert.deepEqual(fitted('wid=300&hei=300&fit=fit,1'), [300, 300, 3, 3]));
  test('fit=constrain,0 returns the image itself', () => assert.deepEqual(fitted('wid=300&hei=300&fit=constrain'), [100, 50, 1, 1]));
  test('fit=constrain,1 enlarges', () => assert.deepEqual(fitted('wid=300&hei=300&fit=constrain,1'), [300, 150, 3, 3]));
  test('fit=crop,1 fills', () => assert.deepEqual(fitted('wid=300&hei=300&fit=crop,1'), [300, 300, 6, 6]));
  test('fit=wrap,1 covers', () => assert.deepEqual(fitted('wid=300&hei=300&fit=wrap,1'), [600, 300, 6, 6]));
  test('fit=stretch,1 distorts', () => assert.deepEqual(fitted('wid=300&hei=300&fit=stretch,1'), [300, 300, 3, 6]));
  test('fit=stretch,0 caps each axis at 1', () => assert.deepEqual(fitted('wid=300&hei=30&fit=stretch'), [300, 30, 1, 0.6]));
  test('fit=hfit,1 scales by width', () => assert.deepEqual(fitted('wid=300&hei=300&fit=hfit,1'), [300, 300, 3, 3]));
  test('fit=vfit,1 scales by height', () => assert.deepEqual(fitted('wid=300&hei=300&fit=vfit,1'), [300, 300, 6, 6]));
  test('no fit=: wid+hei enlarge when upscale-without-fit is on, not when off', () => {
    assert.deepEqual(fitted('wid=300&hei=300'), [300, 300, 3, 3]);
    assert.deepEqual(fitted('wid=300&hei=300', { ...LIMITS, upscaleWithoutFit: false }), [300, 300, 1, 1]);
  });
  test('fit= with one side behaves like that side alone; constrain,0 caps at 1', () => {
    assert.deepEqual(fitted('wid=300&fit=crop'), [300, 150, 3, 3]);
    assert.deepEqual(fitted('wid=300&fit=constrain'), [100, 50, 1, 1]);
  });
  test('fit= without wid and hei is ignored (leniency)', () => assert.deepEqual(fitted('fit=crop'), fitted('')));
});

describe('DefaultPix and MaxPix', () => {
  test('DefaultPix 0 leaves a side unconstrained', () => {
    assert.equal(size('', { ...LIMITS, defaultSize: { width: 0, height: 100 } }), '200x100');
    assert.equal(size('', { ...LIMITS, defaultSize: { width: 0, height: 0 } }), '2000x1000');
  });
  test('DefaultPix does not apply when wid, hei or scl is given', () => assert.equal(size('hei=500'), '1000x500'));
  test('MaxPix 0,0 is unlimited; MaxPix applies per side', () => {
    assert.equal(size('wid=5000', { ...LIMITS, maxSize: { width: 0, height: 0 } }), '5000x2500');
    assert.throws(() => size('hei=2001', { ...LIMITS, maxSize: { width: 0, height: 2000 } }), IsError);
    assert.equal(size('wid=5000', { ...LIMITS, maxSize: { width: 0, height: 2500 } }), '5000x2500');
  });
  test('rgn= is the region fitted into the view; the neighbours show where the view is larger', () => {
    const l = layout('rgn=500,0,1000,1000&wid=300&hei=100');
    assert.deepEqual([l.canvas.width, l.canvas.height, l.scaleX], [300, 100, 0.1]);
    // The region starts at x=500 in the source and is centred: 100 px region wide in a 300 px view.
    assert.equal(l.offsetX, 100 - 50);
  });
});

describe('dpr', () => {
  test('multiplies wid/hei; divides scl; is capped at MaxPix keeping the aspect ratio', () => {
    assert.equal(size('wid=300&dpr=on,2'), '600x300');
    assert.equal(size('scl=4&dpr=on,2'), '1000x500');
    assert.equal(size('wid=816&hei=500&fit=stretch&dpr=on,3', { ...LIMITS, maxSize: { width: 0, height: 0 } }), '2448x1500');
    assert.equal(size('wid=1500&dpr=on,2'), '2000x1000', 'capped, not refused');
    assert.equal(size('wid=300&dpr=off'), '300x150');
  });
});
