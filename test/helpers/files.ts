import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeImage, synth } from './pixels.ts';
import { FIXTURE_CATALOG, FIXTURES } from './server.ts';

/** The generated 2725x2225 photo, as the catalog "fixtures" names it. */
export const PHOTO = 'fixtures/photo-2725x2225.jpg';

/** A default catalog (MaxPix=0,0, SavePath=out), the fixtures as catalog "fixtures", a 64x48 images/small.png and saves/out. */
export const baseFiles = async () => ({
  'catalogs/default.ini': 'MaxPix=0,0\nSavePath=out\n',
  ...FIXTURE_CATALOG,
  'images/small.png': await encodeImage(synth(64, 48, (x) => [x * 4, 0, 0, 255]), 'png'),
  'saves/out/.keep': '',
});

/** The temporary files that saves (finished, running or abandoned) left in a folder. */
export const temps = (dir: string) => readdirSync(dir).filter((n) => n.startsWith('.isle-tmp-'));

/** A folder with catalogs (SavePath=out, the fixtures as catalog "fixtures") and saves/out, and the serve flags naming it. */
export function serverFolder() {
  const dir = mkdtempSync(join(tmpdir(), 'isle-server-'));
  for (const d of ['catalogs', 'images', 'saves/out']) mkdirSync(join(dir, d), { recursive: true });
  writeFileSync(join(dir, 'catalogs/default.ini'), 'SavePath=out\nMaxPix=0,0\n');
  writeFileSync(join(dir, 'catalogs/fixtures.ini'), `RootId=fixtures\nRootPath=${FIXTURES}\n`);
  const args = ['--root', join(dir, 'images'), '--catalogs', join(dir, 'catalogs'), '--save-dir', join(dir, 'saves'), '--workers', '1'];
  return { dir, out: join(dir, 'saves/out'), args };
}
