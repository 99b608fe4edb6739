import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { writeJpeg } from '../../tools/fixtures/jpeg-writer.ts';
import { pathResources, tiffWithResources, withApp13 } from '../helpers/photoshop-paths.ts';
import { properties, startFixture, type Fixture } from '../helpers/server.ts';
import { temporaryFolder } from '../helpers/temp.ts';

/*
 * req=props' image.pathEmbed describes the reply, as Adobe's props page defines it ("1 if the
 * response image embeds any paths"); the source's own paths are req=imageprops'
 * image.embeddedPhotoshopPaths. Isle writes no paths into replies (pathEmbed= is not supported
 * yet), so it is 0 even for a source with paths, asked with pathEmbed=1 in a format that could
 * carry them (docs/compatibility.md, "req=props image.pathEmbed").
 */
const dir = temporaryFolder('isle-path-embed-');
const RESOURCES = pathResources({ Outline: [[[0.1, 0.1], [0.9, 0.1], [0.9, 0.9], [0.1, 0.9]]] });
let f: Fixture;

before(async () => {
  writeFileSync(join(dir, 'paths.tif'), tiffWithResources(40, 30, () => [200, 50, 50], RESOURCES));
  writeFileSync(join(dir, 'paths.jpg'), withApp13(writeJpeg({ width: 40, height: 30, colour: 'ycc', quality: 90 }, () => [200, 50, 50, 255]), RESOURCES));
  f = await startFixture({ config: { root: dir } });
});
after(() => f?.close());

for (const [file, fmt] of [['paths.tif', 'tif'], ['paths.jpg', 'jpeg']]) {
  test(`${file}: the source has paths, the ${fmt} reply embeds none, and req=props says so`, async () => {
    const source = properties((await f.get(`/is/image/${file}?req=imageprops`)).text);
    assert.equal(source.get('image.embeddedPhotoshopPaths'), '1', 'the source holds a path');
    const reply = await f.get(`/is/image/${file}?fmt=${fmt}&pathEmbed=1`);
    assert.equal(reply.status, 200);
    // Every Photoshop path is an 8BIM image resource, in a JPEG's APP13 and in a TIFF's tag 34377 alike.
    assert.equal(reply.body.includes('8BIM'), false, 'the reply carries no Photoshop resource');
    const props = properties((await f.get(`/is/image/${file}?fmt=${fmt}&pathEmbed=1&req=props`)).text);
    assert.equal(props.get('image.pathEmbed'), '0');
  });
}
