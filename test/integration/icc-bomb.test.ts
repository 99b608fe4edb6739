import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { deflateSync } from 'node:zlib';
import { pngChunk } from '../../src/image/metadata.ts';
import { encodeImage, synth } from '../helpers/pixels.ts';
import { startFixture, type Fixture } from '../helpers/server.ts';

/** A counter's value on /metrics, 0 when it is not there. */
async function counter(f: Fixture, name: string, label: string): Promise<number> {
  const text = (await f.get('/metrics')).text;
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${label}}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

/** A valid 40x30 PNG whose iCCP chunk is `inflated` bytes of zeros, deflated (some 64 KB for 64 MiB). */
async function bomb(inflated: number): Promise<Uint8Array> {
  const png = Buffer.from(await encodeImage(synth(40, 30, () => [200, 100, 50, 255]), 'png'));
  const iccp = pngChunk('iCCP', Buffer.concat([Buffer.from('bomb\0\0', 'latin1'), deflateSync(Buffer.alloc(inflated), { level: 9 })]));
  return Buffer.concat([png.subarray(0, 33), iccp, png.subarray(33)]);
}

const MIB = 1024 * 1024;

describe('an embedded profile that inflates past its limit (a PNG iCCP zlib bomb)', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture({ files: { 'images/bomb.png': await bomb(64 * MIB), 'images/plain.png': await encodeImage(synth(40, 30, () => [0, 0, 255, 255]), 'png') } });
  });
  after(() => f.close());

  for (const [what, query] of [
    ['a render', 'wid=20&fmt=png'],
    ['iccEmbed=1', 'wid=20&fmt=jpeg&iccEmbed=1'],
    ['req=imageprops', 'req=imageprops'],
  ] as const) {
    test(`${what} is refused naming max-profile-inflate, and the server keeps serving`, async () => {
      const refusals = await counter(f, 'isle_account_refusals_total', 'limit="max-profile-inflate"');
      const r = await f.get(`/is/image/bomb.png?${query}`);
      assert.equal(r.status, 403, r.text);
      assert.match(r.text, /limit of 8388608 bytes inflated from one embedded profile \(max-profile-inflate\)/);
      assert.equal(await counter(f, 'isle_account_refusals_total', 'limit="max-profile-inflate"'), refusals + 1);
      assert.equal((await f.get('/healthz')).status, 200);
      assert.equal((await f.get('/is/image/plain.png?wid=20&fmt=png')).status, 200);
    });
  }
});

test("a profile within both limits renders, and what the worker inflated is charged to the request's account", async () => {
  // A megabyte of zeros is no profile anyone can read: the source is taken as sRGB, after the inflate.
  const f = await startFixture({ files: { 'images/big.png': await bomb(MIB) } });
  try {
    const r = await f.get('/is/image/big.png?wid=20&fmt=png');
    assert.equal(r.status, 200, r.text);
    assert.ok((await counter(f, 'isle_account_charged_total', 'meter="inflated"')) >= MIB);
  } finally {
    await f.close();
  }
});

test("a profile within its own cap but past what the request's account has left is refused naming max-inflate", async () => {
  const f = await startFixture({ files: { 'images/bomb.png': await bomb(6 * MIB) }, config: { 'max-inflate': '4' } });
  try {
    for (const query of ['wid=20&fmt=png', 'req=imageprops']) {
      const r = await f.get(`/is/image/bomb.png?${query}`);
      assert.equal(r.status, 403, r.text);
      assert.match(r.text, /\(max-inflate\)/);
    }
    assert.equal(await counter(f, 'isle_account_refusals_total', 'limit="max-inflate"'), 2);
  } finally {
    await f.close();
  }
});
