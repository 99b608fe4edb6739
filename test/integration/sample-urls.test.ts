import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { encodeImage, synth } from '../helpers/pixels.ts';
import { properties, startFixture, type Fixture } from '../helpers/server.ts';

/**
 * Every sample URL we collected (doc examples and real sites, hosts dropped) against a 2000x1000
 * image: a 200 with the right type, or the 403 the server documents for what it does not support.
 */
const SAMPLES: [string, number, RegExp?][] = [
  // Doc examples
  ['img?wid=200&hei=200&align=1,-1', 200],
  ['img?wid=200', 200],
  ['img?hei=200', 200],
  ['img?scl=8', 200],
  ['img?req=mask&scale=0.25', 200],
  ['img?req=tmb&wid=64&hei=64', 200],
  ['img?req=tmb&bgc=214,245,130', 200],
  ['img?fmt=jpeg,gray&qlt=60&wid=200', 200],
  ['img?fmt=png-alpha&wid=300', 200],
  ['img?req=mask&fmt=tif,gray&wid=300', 200],
  ['img?fmt=tif,cmyk&wid=300', 200],
  ['img?fmt=tif&wid=300&icc=myPrinterProfile&iccEmbed=1', 403, /icc=myPrinterProfile: names no profile this server knows/],
  ['img?fmt=tif,,jpeg&qlt=95&wid=300', 200],
  ['img?fmt=tif&wid=300', 200],
  ['img?fmt=pdf,,jpeg&wid=300', 200],
  ['img?fmt=gif-alpha&wid=100&quantize=adaptive,off,2,000000,ffffff', 200],
  ['img?wid=300&fmt=webp-alpha,,lossless', 200],
  ['img?qlt=95,1&wid=300', 200],
  ['img?qlt=90,1&op_sharpen=1&wid=500', 200],
  ['img?cropN=0.1,0,0.8,1', 200],
  ['img?size=200,0&extend=0,30,0,0&origin=0,0', 200],
  ['img?scl=1&op_usm=.9,2&bgc=ffffff&id=37JK6NTvpvC42F5gOuLEVY&rect=0,600,2000,600', 200],
  ['img?res=12&fmt=png&resMode=sharp', 200],
  ['img?$view$&wid=480', 200],
  ['img?layer=0&src=img0&layer=1&src=img1&layer=2&src=img2&wid=200', 200],
  // Layered shapes of real URLs, names invented.
  ['?layer=0&wid=1920&hei=640&fmt=jpg&src=is{img?wid=1920&hei=640}&layer=1&src=is{img?wid=920&hei=600&$view$}', 200],
  ['img??$view$&layer=0&color=F3F2F2&wid=1100', 200],
  ['myRootId?layer=0&src=/img&layer=comp&$view$', 200],
  ['?layer=0&anchor=0,0&size=750,393&bgc=f0f0f0&layer=1&color=153,147,218&size=300,80&extend=1,1,1,1&bgColor=25,25,25&pos=10,10', 200],
  ['img?layer=1&src=img1&scale=0.25&posN=0.33,-.25&fmt=png', 200],
  ['img?size=400,400&extend=10,10,10,10&effect=-1&$shadow$&color=50,143,254', 200],
  ['img?wid=500&layer=1&src=img&op_colorize=200,0,0&layer=2&src=img&op_colorize=0,200,0&opac=50', 200],
  ['img?layer=1&bgcolor=ffffff&blendMode=mult&scale=10', 200],
  ['img?layer=1&src=ir{vignette?wid=100}', 403, /Image Rendering requests are not supported/],
  ['img?req=message&message=This%20is%20the%20message', 200],
  ['myRootId?req=catalogprops', 200],
  ['myPath/myImage.tif?req=imageprops', 403, /Image not found/],
  // Real sites
  ['img?wid=1080&op_usm=0.5,2,10,0&fmt=webp&qlt=80,1&fit=constrain,0&op_sharpen=0&resMode=sharp2&iccEmbed=0&printRes=72', 200],
  ['img?fmt=jpeg&qlt=70&resMode=sharp2&fit=crop,1&op_usm=0.6,0.6,8&wid=2000&hei=1840', 200],
  ['img?wid=218&hei=326&fmt=jpeg&qlt=90%2c0&op_sharpen=1&resMode=trilin&op_usm=0.8%2c1.0%2c6%2c0&iccEmbed=0&cropN=0.165,0,0.67,1', 200],
  ['img?&&fmt=webp-alpha&qlt=75&wid=1300&fit=crop,1', 200],
  ['img?qlt=82&wid=1024&ts=1705312480003&dpr=off&fit=constrain&fmt=png-alpha', 200],
  ['missing?defaultImage=NoImageIcon_GR&fmt=png&fit=crop,1&wid=600&hei=460&resMode=sharp2&op_usm=1.4,0.4,0,0', 200],
  ['img?$Layer_Ab$&req=resolve', 200],
  ['img?wid=1600&hei=900&fit=constrain,1&fmt=webp', 200],
  ['img?wid=800&hei=600&qlt=75&fmt=jpg&op_blur=5', 200],
  ['img?dpr=on,3', 200],
  ['img?wid=30&hei=20&fit=stretch', 200],
  ['img?crop=5,2,10,8&wid=30&hei=20&fit=stretch', 200],
  ['img?rotate=180&wid=30&hei=20&fit=stretch', 200],
  ['img?crop=5,2,10,8&rotate=90&wid=30&hei=20&fit=stretch', 200],
  ['img%3ACrop-2?wid=100', 200],
  ['img?wid=2000&hei=1000&fit=stretch', 200],
];

let f: Fixture;
before(async () => {
  const picture = await encodeImage(synth(2000, 1000, (x, y) => [x % 256, y % 256, (x * y) % 256, 255]), 'png');
  f = await startFixture({
    files: {
      'catalogs/default.ini': 'CatalogFile=records.txt\nMacroFile=presets.mac\nDefaultExt=.png\n',
      'catalogs/records.txt': 'Id\tPath\nimg\tpicture.png\nimg:Crop-2\tpicture.png\nNoImageIcon_GR\tpicture.png\nimg0\tpicture.png\nimg1\tpicture.png\nimg2\tpicture.png\n',
      'catalogs/presets.mac': 'Name\tDefinition\nview\twid=640&fmt=jpeg&qlt=85\nLayer_Ab\twid=300&op_sharpen=1\n',
      'catalogs/myRootId.ini': 'RootId=myRootId\n',
      'images/picture.png': picture,
    },
  });
});
after(() => f.close());

test('every sample URL answers as documented', async () => {
  for (const [path, status, message] of SAMPLES) {
    const r = await f.get(`/is/image/${path}`);
    assert.equal(r.status, status, `${path}: ${r.text.slice(0, 200)}`);
    if (status === 200) {
      const isText = path.includes('req=message') || path.includes('req=catalogprops') || path.includes('req=resolve');
      assert.match(r.headers['content-type'] ?? '', isText ? /^text\/plain/ : /^(image\/(jpeg|png|webp|gif|tiff)|application\/pdf)$/, path);
    } else {
      assert.match(properties(r.text).get('error.message') ?? '', message!, path);
    }
  }
});
