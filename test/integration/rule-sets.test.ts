import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseRuleSet } from '../../src/catalog/rule-set.ts';
import { encodeImage, synth } from '../helpers/pixels.ts';
import { properties, startFixture, type Fixture } from '../helpers/server.ts';

const pngWidth = (b: Buffer) => b.readUInt32BE(16);

// Adobe's Examples A and B (the rule set reference), a vanity path, a refusal, an override, a header.
const RULES = `<?xml version="1.0" encoding="UTF-8"?>
<ruleset>
  <rule Name="refuse-private" OnMatch="error"><expression>^myCat/private/</expression></rule>
  <rule Name="example-a" OnMatch="continue"><expression>(?i)_hg$</expression><substitution>\\?&amp;qlt=95,1&amp;resmode=bicub</substitution></rule>
  <rule Name="example-b"><expression>([^/]+)/(small|medium|large)$</expression><substitution>$2Template?src=sample/$1</substitution></rule>
  <rule Name="vanity"><expression>^myCat/hero-(\\w+)$</expression><substitution><![CDATA[myCat/bannerTemplate?$img=sample/$1&fmt=png]]></substitution></rule>
  <rule Name="big" MaxPix="60,60"><expression>^myCat/capped/</expression><substitution>myCat/</substitution></rule>
  <rule Name="edge" OnMatch="continue"><expression>\\$Edge-Control=</expression><header Name="Edge-Control">$Edge-Control$</header></rule>
  <rule Name="nested" Replace="all"><expression>nestme</expression><substitution>pic</substitution></rule>
  <rule Name="static-only" RequestType="static"><expression>^myCat/notes-latest</expression><substitution>myCat/notes-v2.txt</substitution></rule>
</ruleset>
`;

describe('rule sets', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture({
      files: {
        'images/pic.png': await encodeImage(synth(200, 100, (x) => [x, 0, 0, 255]), 'png'),
        'catalogs/default.ini': 'DefaultPix=0,0\nMaxPix=0,0\n',
        'catalogs/sample.ini': 'RootId=sample\nCatalogFile=sample.txt\n',
        'catalogs/sample.txt': 'Id\tPath\nmyImage\tpic.png\nmyImage_hg\tpic.png\nother\tpic.png\n',
        'catalogs/myCat.ini': 'RootId=myCat\nCatalogFile=myCat.txt\nRuleSetFile=rules.xml\n',
        'catalogs/myCat.txt': 'Id\tPath\tModifier\nsmallTemplate\t\twid=50&fmt=png\nbannerTemplate\t\tlayer=0&src=$img$&size=80,80\npic\tpic.png\t\n',
        'catalogs/rules.xml': RULES,
        'images/notes-v2.txt': 'version 2',
      },
    });
  });
  after(() => f.close());

  test("Example B: a trailing size becomes a template, with src=sample/… as the rule is written", async () => {
    const r = await f.get('/is/image/myCat/myImage/small');
    assert.equal(r.status, 200, r.text);
    assert.equal(pngWidth(r.body), 50, 'myCat/smallTemplate?src=sample/myImage');
  });

  test('Example A: a _hg suffix becomes a quality query (case-insensitive, \\? escaped)', async () => {
    const resolved = await f.get('/is/image/myCat/pic_HG');
    assert.equal(resolved.status, 200, resolved.text);
    const q = await f.get('/is/image/myCat/pic_hg');
    assert.equal(properties((await f.get('/is/image/myCat/pic_hg?req=props')).text).get('image.quality') ?? '', '', 'the query after the suffix stops the $ match');
    void q;
    const props = await f.get('/is/image/myCat/pic_hg');
    assert.equal(props.headers['content-type'], 'image/jpeg');
  });

  test('a vanity path without a query string fills a template', async () => {
    const r = await f.get('/is/image/myCat/hero-myImage');
    assert.equal(r.status, 200, r.text);
    assert.equal(pngWidth(r.body), 80);
  });

  test('OnMatch="error" refuses; an attribute override applies to the matched request only', async () => {
    const refused = await f.get('/is/image/myCat/private/pic');
    assert.equal(refused.status, 403);
    assert.equal(properties(refused.text).get('error.message'), 'The request was refused');
    const capped = await f.get('/is/image/myCat/capped/pic?wid=100&fmt=png');
    assert.equal(capped.status, 403, 'MaxPix=60,60 from the rule');
    assert.match(properties(capped.text).get('error.message') ?? '', /MaxPix=60,60/);
    assert.equal((await f.get('/is/image/myCat/pic?wid=100&fmt=png')).status, 200, 'not without the rule');
  });

  test('a header rule sets a response header from a variable; nested requests are preprocessed too', async () => {
    const r = await f.get('/is/image/myCat/pic?wid=20&$Edge-Control=no-store');
    assert.equal(r.status, 200);
    assert.equal(r.headers['edge-control'], 'no-store');
    const nested = await f.get('/is/image/myCat?layer=0&src=is(myCat/nestme?wid=30)&fmt=png');
    assert.equal(nested.status, 200, nested.text);
    assert.equal(pngWidth(nested.body), 30);
  });

  test('RequestType: a static rule rewrites /is/content requests and not /is/image ones', async () => {
    const r = await f.get('/is/content/myCat/notes-latest');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, 'version 2');
    assert.equal((await f.get('/is/image/myCat/notes-latest')).status, 403);
  });

  test("a catalog's rules do not apply to another catalog; the default catalog's only when none is named", async () => {
    assert.equal((await f.get('/is/image/sample/myImage/small')).status, 403, 'sample has no rules: no such image');
  });
});

test('rules a linear-time engine cannot run are refused at load, naming the rule; a pathological one is bounded', () => {
  const rule = (expression: string) => `<ruleset><rule Name="bad"><expression>${expression}</expression></rule></ruleset>`;
  assert.throws(() => parseRuleSet(rule('(a)\\1'), 'r.xml'), /r\.xml: rule bad: the expression cannot be used/);
  assert.throws(() => parseRuleSet(rule('a*+b'), 'r.xml'), /rule bad/);
  assert.throws(() => parseRuleSet('<ruleset><rule Name="o" RequestObfuscation="1"/></ruleset>', 'r.xml'), /rule o: the RequestObfuscation override is not supported/);
  assert.throws(() => parseRuleSet('<ruleset><rule Name="s" SavePath="../out"/></ruleset>', 'r.xml'), /SavePath must be a relative folder/);
  assert.throws(() => parseRuleSet('<notaruleset/>', 'r.xml'), /root element must be <ruleset>/);
  // (a+)+$ on "aaaa…!" takes exponential time in a backtracking engine; RE2JS is linear.
  const { rules } = parseRuleSet(rule('(a+)+$'), 'r.xml');
  const input = `${'a'.repeat(5000)}!`;
  assert.equal(rules[0]!.expression!.matcher(input).find(), false, 'answered, in linear time: no match');
});

test('a broken rule set stops the catalog from loading, with the file and rule named', async () => {
  await assert.rejects(
    startFixture({ files: { 'catalogs/x.ini': 'RootId=x\nRuleSetFile=bad.xml\n', 'catalogs/bad.xml': '<ruleset><rule Name="oops" OnMatch="sometimes"/></ruleset>' } }),
    /x\.ini: RuleSetFile bad\.xml: rule oops: OnMatch must be break, continue or error/,
  );
});
