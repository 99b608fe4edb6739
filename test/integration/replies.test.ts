import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { compareRecorded, fingerprint } from '../helpers/fingerprint.ts';
import { REPO, startFixture, type Fixture } from '../helpers/server.ts';

/*
 * Every reply over a fixed matrix of requests (every format, filter, view mode, request type and
 * error), as hashes recorded in replies.hashes.json (test/helpers/fingerprint.ts says what each
 * hash covers). A change that alters output on purpose re-records them (ISLE_RECORD_REPLIES=1) in
 * the same commit and says why.
 */
const HASHES = join(REPO, 'test/integration/replies.hashes.json');

const FORMATS = ['jpeg', 'pjpeg', 'jpeg,gray', 'png', 'png-alpha', 'png8', 'png8-alpha', 'webp', 'webp-alpha', 'avif', 'avif-alpha', 'gif', 'gif-alpha', 'tif', 'tif-alpha', 'jpeg2000', 'jpeg2000-alpha', 'pdf'];
const FILTERS = ['op_usm=1.5,2,4', 'op_usmR=2,1,0,1', 'op_blur=3', 'op_sharpen=1', 'op_brightness=30', 'op_contrast=-40', 'op_saturation=-100', 'op_hue=90', 'op_colorbalance=20,-10,5', 'op_invert=1', 'op_colorize=ff8800,norm,30', 'op_noise=20,gaussian,1'];
const VIEWS = [
  'wid=150&hei=150&fit=crop', 'wid=150&hei=150&fit=crop&align=1,-1', 'wid=150&hei=150&fit=constrain', 'wid=150&hei=150&fit=wrap', 'wid=150&hei=150&fit=stretch',
  'wid=150&hei=150&fit=hfit', 'wid=150&hei=150&fit=vfit', 'wid=150&hei=150&bgc=203040', 'wid=300&rgn=20,10,100,80', 'scl=4&rect=0,0,64,64', 'scl=2.5',
  'wid=100&dpr=on,2', 'crop=50,40,200,150&wid=120', 'cropN=0.1,0.1,0.5,0.5&wid=120', 'size=120,0', 'scale=0.2', 'rotate=33&wid=160', 'rotate=90&wid=160',
  'flip=lr&wid=160', 'flip=ud&wid=160', 'extend=10,20,30,40&wid=160&bgColor=ff0000', 'extendN=0.1,0,0.1,0&wid=160', 'opac=50&wid=160', 'wid=160&resMode=bilin',
  'wid=160&resMode=bicub', 'wid=160&resMode=bisharp', 'wid=160&qlt=30', 'wid=160&qlt=90,1', 'wid=160&quantize=adaptive,off,16&fmt=png8', 'wid=160&printRes=300', 'wid=60&fmt=jpeg&printRes=300&iccEmbed=1',
];
const TYPES = [
  'req=props', 'req=props,json&id=7', 'req=props,xml', 'req=props,javascript', 'req=imageprops', 'req=exists', 'req=validate', 'req=resolve', 'req=userdata',
  'req=tmb', 'req=mask&wid=100', 'req=loadcache&wid=90',
];
const ERRORS = ['wid=abc', 'wid=9000', 'fmt=heic', 'src=other', 'qlt=101', 'crop=90000,0,0,0', 'op_blur=-1'];

/** [label, request path] of the whole matrix. */
const MATRIX: [string, string][] = [
  ...FORMATS.map((fmt): [string, string] => [`format ${fmt} (photo)`, `/is/image/sample/landscape?wid=160&fmt=${fmt}`]),
  ...FORMATS.map((fmt): [string, string] => [`format ${fmt} (alpha)`, `/is/image/sample/logo?wid=80&fmt=${fmt}`]),
  ...FILTERS.map((f): [string, string] => [`filter ${f}`, `/is/image/sample/landscape?wid=160&fmt=png&${f}`]),
  ...VIEWS.map((v): [string, string] => [`view ${v}`, `/is/image/sample/landscape?fmt=png&${v}`]),
  ...TYPES.map((t): [string, string] => [`type ${t}`, `/is/image/sample/landscape?${t}`]),
  ['type catalogprops', '/is/image/sample?req=catalogprops'],
  ['type exists (missing)', '/is/image/sample/nothing?req=exists'],
  ['record modifiers (hero)', '/is/image/sample/hero?fmt=png'],
  ['record post-modifiers (thumb)', '/is/image/sample/thumb?wid=999&fmt=png'],
  ['default catalog path', '/is/image/chart.png?scl=1&rect=0,0,128,128&fmt=png'],
  ...ERRORS.map((e): [string, string] => [`error ${e}`, `/is/image/sample/landscape?${e}`]),
  ['error missing image', '/is/image/sample/nothing?wid=10'],
  ['error props of missing image (json)', '/is/image/sample/nothing?req=props,json'],
];

let f: Fixture;
before(async () => {
  f = await startFixture({ samples: true, config: { workers: '2' } });
});
after(() => f.close());

test('every reply of the matrix is the one recorded', async () => {
  const now: Record<string, string> = {};
  for (const [label, path] of MATRIX) {
    const reply = await f.get(path);
    if (label.startsWith('error')) assert.equal(reply.status, 403, `${label}: ${reply.text.slice(0, 120)}`);
    else assert.equal(reply.status, 200, `${label}: ${reply.text.slice(0, 160)}`);
    now[`${label} | ${path}`] = await fingerprint(reply);
  }
  const { changed, gone } = compareRecorded(HASHES, now);
  assert.deepEqual(changed, [], 'replies differ from replies.hashes.json (ISLE_RECORD_REPLIES=1 re-records them, on purpose only)');
  assert.deepEqual(gone, [], 'recorded entries no longer in the matrix');
});
