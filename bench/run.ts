import './quiet.ts';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { throughputChart } from './chart.ts';
import { benchCacheReplay } from './cache-replay.ts';
import { benchConvert } from './convert-bench.ts';
import { benchDecode, benchPngDecode } from './decode.ts';
import { benchEncode, compareAvif, compareJpeg, comparePng, compareWebp } from './encode.ts';
import { benchCompositePeers, benchPeers, benchTextPeers } from './peers.ts';
import { benchMatrix, matrixTable } from './matrix.ts';
import { benchResize, benchWeights } from './resize-bench.ts';
import { benchSources } from './sources.ts';
import { benchStartup } from './startup.ts';
import { benchWorkers } from './throughput.ts';
import { benchZoom } from './zoom.ts';
import { benchP3, benchScaling, benchServer, benchTiny, BOMB_QUERY, COMPOSITE_PRODUCT, COMPOSITE_QUERY, STANDARD_QUERY, TEXT_QUERY } from './server.ts';

/**
 * npm run bench [-- --quick]: Isle and its peers on the same inputs in one run. Prints tables and
 * writes bench/results/<timestamp>.json. Figures are medians of several rounds; compare ratios
 * measured in the same run, the machine is noisy.
 */
const quick = process.argv.includes('--quick');
const rounds = quick ? 5 : 9;
const notes: string[] = [];

const machine = { node: process.version, cpus: availableParallelism(), cpu: cpus()[0]?.model ?? 'unknown' };
console.log(`Isle bench${quick ? ' (quick)' : ''}: ${machine.cpu}, ${machine.cpus} CPUs, Node ${machine.node}, medians of ${rounds} rounds\n`);

const server = await benchScaling(rounds, quick ? 8 : 16);
const refused = await benchServer(1, 1, rounds, quick ? 40 : 100, BOMB_QUERY, 403);
const peers = await benchPeers(rounds, notes);
const one = server[0]!;
console.log(`Standard task: 2725x2225 JPEG -> 720x588 -> JPEG q80 (${STANDARD_QUERY})`);
console.table([
  { who: 'Isle over HTTP, 1 worker, 1 connection', 'ops/s': one.opsPerSecond, 'p50 ms': one.p50Ms, 'p99 ms': one.p99Ms },
  { who: 'Isle over HTTP, 2 workers, 4 connections', 'ops/s': server[1]!.opsPerSecond, 'p50 ms': server[1]!.p50Ms, 'p99 ms': server[1]!.p99Ms },
  ...peers.map((p) => ({ who: `${p.peer}, in-process`, 'ops/s': p.opsPerSecond, 'p50 ms': p.medianMs, 'p99 ms': '' })),
]);
console.log(`Refused before any worker runs (${BOMB_QUERY}, 403), 1 connection:`);
console.table([{ who: 'Isle over HTTP', 'ops/s': refused.opsPerSecond, 'p50 ms': refused.p50Ms, 'p99 ms': refused.p99Ms }]);
const scaling = server[1]!.opsPerSecond / one.opsPerSecond;
console.log(`Scaling, 2 workers / 1 worker: ${scaling.toFixed(2)}x`);
for (const p of peers) console.log(`Isle (1 worker) / ${p.peer}: ${(one.opsPerSecond / p.opsPerSecond).toFixed(2)}x`);

const tiny = await benchTiny(rounds, quick ? 100 : 200);
console.log(`\nA tiny request: the 320x240 JPEG at wid=100 (${tiny.bytes} bytes), against node:http sending the same bytes, 1 connection:`);
console.table([
  { who: 'Isle, rendered (render cache off)', 'ops/s': tiny.isle.opsPerSecond, 'p50 ms': tiny.isle.p50Ms, 'p99 ms': tiny.isle.p99Ms },
  { who: 'Isle, render cache on (the default; hits)', 'ops/s': tiny.cached.opsPerSecond, 'p50 ms': tiny.cached.p50Ms, 'p99 ms': tiny.cached.p99Ms },
  { who: 'node:http, a fixed body', 'ops/s': tiny.plain.opsPerSecond, 'p50 ms': tiny.plain.p50Ms, 'p99 ms': tiny.plain.p99Ms },
]);
console.log(`Isle's time / node:http's: ${(tiny.plain.opsPerSecond / tiny.isle.opsPerSecond).toFixed(2)}x rendered, ${(tiny.plain.opsPerSecond / tiny.cached.opsPerSecond).toFixed(2)}x from the render cache`);

const p3 = await benchP3(rounds, quick ? 8 : 16);
console.log(`\nColour management: the standard task from a Display P3 source converted to sRGB, and from the same photo untagged (their rounds in turn):`);
console.table([
  { source: 'Display P3, converted', 'ops/s': p3.converted.opsPerSecond, 'p50 ms': p3.converted.p50Ms },
  { source: 'untagged, as it is', 'ops/s': p3.plain.opsPerSecond, 'p50 ms': p3.plain.p50Ms },
]);
console.log(`Conversion cost: ${((1 - p3.converted.opsPerSecond / p3.plain.opsPerSecond) * 100).toFixed(1)}% of the request`);

const matrix = await benchMatrix(rounds, notes);
const { table: matrixRows, geomean } = matrixTable(matrix);
console.log('\nThe common jobs: Isle (1 worker, over HTTP) against sharp and wasm-vips (in-process, 1 thread; wasm-vips by thumbnailBuffer), ops/s, bytes and, on JPEG jobs, PSNR (dB) against a float64 Lanczos3 of the source decoded in full:');
console.table(matrixRows);
console.log(`Geometric mean: ${geomean.sharp ?? '-'}x sharp, ${geomean.vips ?? '-'}x wasm-vips`);

const workers = await benchWorkers(rounds, quick ? 2 : 4);
console.log('\nThroughput with all workers: isle serve (its own process) with 2 workers against 1, twice as many connections as workers, rounds in turn; peak RSS of each server (VmHWM):');
console.table(workers.map((r) => ({ load: r.load, '1 worker ops/s': r.oneWorker, '2 workers ops/s': r.twoWorkers, '2 / 1': r.ratio, 'peak RSS 1 (MiB)': r.peakRssOne, 'peak RSS 2 (MiB)': r.peakRssTwo })));

const startup = await benchStartup(quick ? 3 : 5);
console.log('\nStart-up: from spawning the process to its first reply, in turn with a plain node:http server (medians, ms):');
console.table(startup.map((r) => ({ who: r.who, 'to listening': r.listeningMs, 'to first reply': r.firstReplyMs })));

const composite = await benchServer(1, 1, rounds, quick ? 4 : 8, COMPOSITE_QUERY);
const compositePeers = await benchCompositePeers(rounds, notes, COMPOSITE_PRODUCT);
console.log(`\nComposite task: a 1920x640 background by a nested request, a 1024x768 RGBA PNG fitted in 600x450 with a blurred drop shadow, JPEG q80 (${COMPOSITE_QUERY})`);
console.table([
  { who: 'Isle over HTTP, 1 worker, 1 connection', 'ops/s': composite.opsPerSecond, 'p50 ms': composite.p50Ms, 'p99 ms': composite.p99Ms },
  ...compositePeers.map((p) => ({ who: `${p.peer}, in-process`, 'ops/s': p.opsPerSecond, 'p50 ms': p.medianMs, 'p99 ms': '' })),
]);
for (const p of compositePeers) console.log(`Isle (1 worker) / ${p.peer}: ${(composite.opsPerSecond / p.opsPerSecond).toFixed(2)}x`);

const text = await benchServer(1, 1, rounds, quick ? 4 : 8, TEXT_QUERY, 200, '');
const textPeers = await benchTextPeers(rounds, notes);
console.log(`\nText task: a 1200x400 banner, a bold heading with a blurred drop shadow and a subtitle box, on a solid layer 0, JPEG q80 (${TEXT_QUERY})`);
console.table([
  { who: 'Isle over HTTP, 1 worker, 1 connection', 'ops/s': text.opsPerSecond, 'p50 ms': text.p50Ms, 'p99 ms': text.p99Ms },
  ...textPeers.map((p) => ({ who: `${p.peer}, in-process`, 'ops/s': p.opsPerSecond, 'p50 ms': p.medianMs, 'p99 ms': '' })),
]);
for (const p of textPeers) console.log(`Isle (1 worker) / ${p.peer}: ${(text.opsPerSecond / p.opsPerSecond).toFixed(2)}x`);

const zoom = await benchZoom(quick ? 50 : 190, quick ? 20 : 60, notes);
if (zoom) {
  console.log(`\nZoom: random 256x256 req=tile windows of a photographic pyramid TIFF (${zoom.file}, JPEG tiles), each level at its own scale; Isle 1 worker over HTTP, sharp in-process extracting the same windows:`);
  console.table(zoom.rows.map((r) => ({ pyramid: r.by, level: r.level, size: r.size, 'Isle ops/s': r.isleOps, 'sharp ops/s': r.sharpOps ?? '-', 'Isle / sharp': r.sharpOps ? `${(r.isleOps / r.sharpOps).toFixed(2)}x` : '-' })));
  console.log(`Every tile of every level of the vips pyramid: ${zoom.sweep.tiles} tiles in ${zoom.sweep.seconds} s (${(zoom.sweep.tiles / zoom.sweep.seconds).toFixed(0)}/s), ${zoom.sweep.failures} not 200`);
  console.log(`Server peak RSS over Isle's part of the zoom row: ${zoom.peakRssMiB} MiB`);
}

const replay = await benchCacheReplay(quick ? 1000 : 4000);
console.log('\nRender cache replay: a Zipf mix over 200 URLs of 20 sources (1600x1200 JPEGs, 10 widths each), 2 workers, 4 connections:');
console.table(replay.map((r) => ({ cache: r.cache, requests: r.requests, 'req/s': r.requestsPerSecond, hits: r.hits })));
console.log(`Cache on / off: ${(replay[0]!.requestsPerSecond / replay[1]!.requestsPerSecond).toFixed(2)}x`);

const resize = await benchResize(rounds);
console.log('\nResize 2725x2225 (6 MP) -> 720x588 (0.4 MP), against a float64 Lanczos3 reference:');
console.table(resize.map((r) => ({ implementation: r.implementation, 'ms (median)': r.medianMs, 'max abs diff': r.maxDiff, 'PSNR dB': r.psnr })));
const photon = resize.find((r) => r.implementation.startsWith('photon'))!;
console.log(`Isle kernel / photon Lanczos3: ${(photon.medianMs / resize[0]!.medianMs).toFixed(1)}x faster`);
const weights = await benchWeights(rounds);
console.log(`Lanczos3 weights a pass (the kernel's computeWeights): ${weights.map((w) => `${w.axis} ${w.medianUs} us`).join(', ')}`);

const decode = await benchDecode(rounds);
console.log('\nJPEG decode 2725x2225 (the standard photo); PSNR against MozJPEG averaged over the same cells:');
console.table(decode.map((r) => ({ decoder: r.decoder, output: `${r.width}x${r.height}`, 'ms (median)': r.medianMs, 'PSNR dB': r.psnr ?? '' })));
console.log(`Isle full / MozJPEG full: ${(decode[0]!.medianMs / decode[1]!.medianMs).toFixed(2)}x faster; Isle 1/2 / MozJPEG full: ${(decode[0]!.medianMs / decode[2]!.medianMs).toFixed(2)}x`);

const pngDecode = await benchPngDecode(rounds);
console.log('\nPNG decode, the corpus PNGs: ours (node:zlib + wasm/pngfilter.ts) against @jsquash/png:');
console.table(pngDecode.map((r) => ({ file: r.file, size: r.size, 'ours ms': r.oursMs, '@jsquash/png ms': r.jsquashMs, ratio: `${(r.jsquashMs / r.oursMs).toFixed(1)}x` })));

const sources = await benchSources(quick ? 3 : 5, notes);
console.log('\nSource decoders (one thread; the reference as labelled):');
console.table(sources.map((r) => ({ source: r.source, size: r.size, 'Isle ms': r.isleMs, reference: r.reference, 'reference ms': r.referenceMs, ratio: r.referenceMs ? `${(r.isleMs / r.referenceMs).toFixed(2)}x` : '' })));

const jpeg = await compareJpeg(rounds);
console.log('\nJPEG encode q80, 2000x1500:');
console.table(jpeg.map((r) => ({ settings: r.settings, 'ms (median)': r.medianMs, 'MP/s': r.mpPerSecond, bytes: r.bytes, 'PSNR dB': r.psnr })));
console.log(`Isle / @jsquash defaults: ${(jpeg[0]!.mpPerSecond / jpeg[1]!.mpPerSecond).toFixed(2)}x the throughput, ${((jpeg[0]!.bytes / jpeg[1]!.bytes - 1) * 100).toFixed(1)}% bytes`);

const avif = await compareAvif(rounds);
console.log('\nAVIF encode q50, the standard photo at 640x523 (the avif640 job), libavif speeds and subsampling against Isle\'s; the chroma halo at qlt=40 beside saturated squares (CIELAB chroma of grey 2-6 px away):');
console.table(avif.map((r) => ({ settings: r.settings, 'ms (median)': r.medianMs, bytes: r.bytes, 'PSNR dB': r.psnr, 'halo chroma mean': r.haloMean, 'halo chroma p99': r.haloP99 })));

const webp = await compareWebp(rounds);
console.log("\nWebP encode q80 method 2, the standard photo at 1024x836 (the webp1024 job's image), two rounds each in turn: the same libwebp, the pixels copied into it in one call or a byte at a time:");
console.table(webp.map((r) => ({ settings: r.settings, 'ms (median)': r.medianMs, bytes: r.bytes })));

const png = await comparePng(quick ? 3 : rounds);
console.log('\nPNG encode, 2000x1500 photo (lossless; Isle writes RGB for fmt=png, @jsquash/png always RGBA):');
console.table(png.map((r) => ({ settings: r.settings, 'ms (median)': r.medianMs, 'MP/s': r.mpPerSecond, bytes: r.bytes })));

const encode = await benchEncode(quick ? [[500, 500], [1000, 750]] : [[500, 500], [1000, 1000], [2000, 1500]], rounds);
console.log("\nEncode throughput (the worker's codec code, one thread):");
console.table(encode.map((r) => ({ format: r.format, size: `${r.width}x${r.height}`, 'ms (median)': r.medianMs, 'MP/s': r.mpPerSecond, bytes: r.bytes })));

const conversion = benchConvert();
console.log('\nPyramid TIFF conversion of a 8640x5760 (50 MP) JPEG, then of the same as a tiled TIFF, one process each, wall time and peak RSS:');
console.table(conversion.map((r) => ({ tool: r.tool, compression: r.compression, seconds: r.seconds, 'peak MiB': r.peakMiB, bytes: r.bytes })));
for (let i = 0; i + 1 < conversion.length; i += 2) {
  const [ours, vips] = [conversion[i]!, conversion[i + 1]!];
  console.log(`isle convert / vips (${ours.compression}): ${(ours.seconds / vips.seconds).toFixed(2)}x the time, ${(ours.peakMiB / vips.peakMiB).toFixed(2)}x the memory`);
}

for (const note of notes) console.log(`note: ${note}`);
mkdirSync(new URL('results/', import.meta.url), { recursive: true });
const file = new URL(`results/bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, import.meta.url);
writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), machine, quick, rounds, server, refused, scaling, peers, tiny, p3, matrix, workers, startup, composite, compositePeers, text, textPeers, replay, resize, weights, decode, pngDecode, sources, jpeg, avif, webp, png, encode, conversion, zoom, notes }, null, 2));
const chart = new URL(file.href.replace(/\.json$/, '.svg'));
writeFileSync(chart, throughputChart(encode));
console.log(`\nWrote ${file.pathname} and ${chart.pathname}`);
