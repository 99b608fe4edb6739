import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConvertUsageError, MIN_MAXMEM, parseConvertArgs, type ConvertCommand } from '../../src/cli/convert-args.ts';

/* isle convert's command line: ic's options as its page spells them, read by a pure function. */

const GB = 1024 ** 3;
const parse = (...argv: string[]) => parseConvertArgs(argv, 8 * GB);
const options = (command: ConvertCommand) => {
  assert.equal(command.kind, 'convert');
  return command.kind === 'convert' ? command.options : assert.fail();
};

test('defaults: Deflate, quality 95, 256-pixel tiles, Lanczos, relative intent with black-point compensation, 25% of memory', () => {
  const o = options(parse('a.jpg', 'a.tif'));
  assert.deepEqual(
    [o.source, o.dest, o.compression, o.quality, o.fullChroma, o.tile, o.filter, o.intent, o.bpc, o.overwrite, o.maxMem, o.logLevel, o.logAppend],
    ['a.jpg', 'a.tif', 'deflate', 95, false, 256, 'lanczos3', 'relative', true, false, 2 * GB, 0, true],
  );
});

test("every option of ic's page, in any case, with its values", () => {
  const o = options(
    parse(
      '-convert', '-JPEGcompress', '-jpegquality', '80', '-fullsamplechrominance', '-usm', '1.5', '2', '4', '1', '-dpi', '300',
      '-autocrop', 'LR', '0', '0.1', 'crop.xml', '-embedXmpData', '-embedColorProfile', '-imageprofile', 'in.icc', '-viewprofile', 'out.icc',
      '-intentPerceptual', '-cmsNoBlackPointCompensation', '-maintainpixeltype', '-forceJPEGDecompress', '-downsample8x8BicubicSharp',
      '-overwrite', '-skiphidden', '-continueOnError', '-logfile', 'log.txt', '-loglevel', '4', '-nologappend', '-logprogressmsec', '500',
      '-maxmem', '64m', '-tilesize', '512', 'in', 'out',
    ),
  );
  assert.deepEqual(o, {
    source: 'in', dest: 'out', compression: 'jpeg', quality: 80, fullChroma: true, tile: 512,
    usm: { amount: 1.5, radius: 2, threshold: 4, monochrome: true }, dpi: 300,
    autocrop: { corner: 'lr', mode: 0, tolerance: 0.1, infoFile: 'crop.xml' }, embedXmp: true, embedProfile: true,
    imageProfile: 'in.icc', viewProfile: 'out.icc', intent: 'perceptual', bpc: false, maintainPixelType: true, filter: 'bicubicSharper',
    overwrite: true, skipHidden: true, continueOnError: true, logFile: 'log.txt', logAppend: false, logLevel: 4, progressMs: 500, maxMem: 64 * 1024 * 1024,
  });
  assert.equal(options(parse('-lzwcompress', 'a', 'b')).compression, 'lzw');
  assert.equal(options(parse('-uncompressed', 'a', 'b')).compression, 'none');
  assert.equal(options(parse('-downsample2x2', 'a', 'b')).filter, 'bilinear');
  assert.equal(options(parse('-intentAbsColorimetric', 'a', 'b')).intent, 'absolute');
  assert.equal(options(parse('-maxmempercent', '50', 'a', 'b')).maxMem, 4 * GB);
  assert.equal(options(parse('-maxmempercent', '50', '-maxmem', '20000000', 'a', 'b')).maxMem, 20_000_000, '-maxmem wins');
});

test('options without meaning here are accepted with a warning', () => {
  const command = parse('-applyClippath', '-cmsNoDither8', '-downsample8x8FlashPix', 'a', 'b');
  assert.equal(command.kind === 'convert' && command.warnings.length, 3);
  assert.equal(options(command).filter, 'lanczos3');
});

test('usage errors: unknown options, missing values, out-of-range numbers, -maxmem under 10 MB, -version with others', () => {
  const refused = (argv: string[], message: RegExp) => assert.throws(() => parse(...argv), (err: unknown) => err instanceof ConvertUsageError && message.test(err.message));
  refused(['-bogus', 'a', 'b'], /unknown option -bogus/);
  refused(['-jpegquality'], /-jpegquality takes 1 value/);
  refused(['-jpegquality', '101', 'a', 'b'], /-jpegquality 101: expected a number from 0 to 100/);
  refused(['-usm', '1', '2', 'a', 'b'], /-usm threshold a/);
  refused(['-autocrop', 'middle', '0', '0', 'x.xml', 'a'], /corner middle/);
  refused(['-maxmem', '5', 'a', 'b'], /must be at least 10 MB/);
  refused(['-maxmem', String(MIN_MAXMEM - 1), 'a', 'b'], /must be at least 10 MB/);
  refused(['-tilesize', '100', 'a', 'b'], /multiple of 16/);
  refused(['a.jpg'], /takes a destination/);
  refused(['a', 'b', 'c'], /a source file or folder and a destination/);
  refused(['-version', 'a', 'b'], /-version takes no other options/);
  assert.equal(options(parse('-maxmem', String(MIN_MAXMEM), 'a', 'b')).maxMem, MIN_MAXMEM);
  assert.equal(options(parse('-autocrop', 'ul', '1', '0', 'x.xml', 'a')).dest, undefined, '-autocrop alone takes no destination');
  assert.throws(() => parse('-nousage', '-bogus'), (err: unknown) => err instanceof ConvertUsageError && !err.usage);
  assert.deepEqual(parse('-version'), { kind: 'version' });
});
