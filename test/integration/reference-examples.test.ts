import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { compareRecorded, fingerprint } from '../helpers/fingerprint.ts';
import { REPO, startFixture, type Fixture } from '../helpers/server.ts';

/*
 * The worked examples of Adobe's reference pages, as data (reference-examples.json): each page's
 * example request adapted to the bundled samples, the status the page documents, what the page
 * shows, and, where Isle answers otherwise on purpose, its status and why (each such decision is
 * a row of docs/compatibility.md). One runner checks every status and compares every reply with
 * the hash recorded in reference-examples.hashes.json, so that the next difference from the pages
 * shows up here first. A change that alters a reply on purpose re-records the hashes
 * (ISLE_RECORD_REPLIES=1) in the same commit and says why.
 */
interface Example {
  /** The page, below PAGES. */
  page: string;
  request: string;
  /** The status the page documents. */
  status: number;
  shows?: string;
  /** Isle's status where it differs from the page's on purpose, and why. */
  isle?: number;
  why?: string;
}

const PAGES = 'https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/';
const EXAMPLES: Example[] = JSON.parse(readFileSync(join(REPO, 'test/integration/reference-examples.json'), 'utf8'));
const HASHES = join(REPO, 'test/integration/reference-examples.hashes.json');

/** The catalog the template pages assume: their records, on the samples' images. */
const CATALOG = {
  'catalogs/examples.ini': 'RootId=examples\nCatalogFile=examples.txt\n',
  'catalogs/examples.txt': [
    'Id\tPath\tModifier\tAnchor\tResolution',
    'landscape\tlandscape.jpg\t\t\t',
    'backgroundImage\tchart.png\t\t\t',
    'myTemplate1\t\tsrc=examples/backgroundImage&size=1000,1000&originN=0,0&layer=1&src=$object$&size=800,800&originN=-0.5,0&posN=-0.5,0&layer=2&$text=layer+2+text+goes+here&text=\\fs40 $text$&rotate=-90&originN=0.5,0&posN=0.5,0\t\t',
    'myTemplate2\t\t$text=layer+1+text+goes+here&layer=0&size=800,0&extend=0,100,200,100&src=$object$&originN=.5,0&layer=1&text=\\fs40 $text$&rotate=-90&originN=.5,0&posN=0.5,0\t\t',
    'mannequin\tlandscape.jpg\t\t600,400\t100',
    'tankTop\tlogo.png\top_brightness=20&op_contrast=10\t120,60\t100',
    'hat\tlogo.png\t\t60,30\t200',
  ].join('\n') + '\n',
};

/** The request as a browser sends it: characters a URL may not hold percent-encoded. */
const target = (request: string) => request.replace(/[ \\{}<>|^`"]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);

let f: Fixture;
before(async () => {
  f = await startFixture({ samples: true, files: CATALOG, config: { workers: '2' } });
});
after(() => f.close());

test('every example names a page and a documented status, and says why where Isle differs', () => {
  assert.ok(EXAMPLES.length >= 80, `${EXAMPLES.length} examples`);
  for (const e of EXAMPLES) {
    assert.match(e.page, /^[a-z-]+\/(r-req\/)?r-[a-z0-9-]+$/, `${e.page}: a page below ${PAGES}`);
    assert.match(e.request, /^\/is\/image/, e.request);
    assert.ok([200, 403].includes(e.status), `${e.request}: documented status ${e.status}`);
    assert.equal(e.isle === undefined, e.why === undefined, `${e.request}: a different status comes with its reason`);
  }
});

test("every worked example of Adobe's pages answers its status and the reply recorded", async () => {
  const now: Record<string, string> = {};
  const wrong: string[] = [];
  for (const e of EXAMPLES) {
    const reply = await f.get(target(e.request));
    const expected = e.isle ?? e.status;
    if (reply.status !== expected) wrong.push(`${PAGES}${e.page}: ${e.request} answered ${reply.status}, not ${expected}: ${reply.text.slice(0, 160)}`);
    now[`${e.page} | ${e.request}`] = await fingerprint(reply);
  }
  assert.deepEqual(wrong, [], 'statuses');
  const { changed, gone } = compareRecorded(HASHES, now);
  assert.deepEqual(changed, [], 'replies differ from reference-examples.hashes.json (ISLE_RECORD_REPLIES=1 re-records them, on purpose only)');
  assert.deepEqual(gone, [], 'recorded entries no longer among the examples');
});
