import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { Catalog } from '../catalog/catalog.ts';
import { rgbSpaceNamed, type RgbSpaceName } from '../protocol/icc-names.ts';
import { forbidden } from '../protocol/errors.ts';
import { parseProfile, ProfileError, targetOf } from '../image/icc.ts';

/**
 * The catalog's profiles for sources that embed none (attribute::IccProfileSrcRgb and
 * IccProfileSrcCmyk, SYN/r-color-management.md): each a built-in RGB space's name, an icc::Name of
 * the catalog's ICC profile map or the default catalog's, or a path relative to RootPath. A name
 * none of these resolves is no profile: the source is then taken as the output space, as the
 * reference says (ATTR/r-iccprofilesrcrgb.md). Files are read once and kept while unchanged.
 */
export type SourceProfile = { space: RgbSpaceName } | { key: string; identity: string; bytes: Uint8Array };

const MAX_PROFILE_BYTES = 4 * 1024 * 1024;

export class ProfileFiles {
  private readonly files = new Map<string, { identity: string; bytes: Uint8Array }>();

  constructor(private readonly root: string) {}

  async forSources(catalog: Catalog, defaultCatalog: Catalog): Promise<{ rgb?: SourceProfile; cmyk?: SourceProfile }> {
    const { iccProfileSrcRgb, iccProfileSrcCmyk } = catalog.attributes;
    const rgb = iccProfileSrcRgb ? await this.named(iccProfileSrcRgb, catalog, defaultCatalog, true) : undefined;
    const cmyk = iccProfileSrcCmyk ? await this.named(iccProfileSrcCmyk, catalog, defaultCatalog, false) : undefined;
    return { ...(rgb ? { rgb } : {}), ...(cmyk ? { cmyk } : {}) };
  }

  /**
   * The reply's profile that icc= (or IccProfileRgb) names by icc::Name (CMD/r-icc.md): from the
   * catalog's map or the default catalog's; it must be a matrix/TRC RGB profile, which the colour
   * engine can convert into. Anything else is a 403 naming it.
   */
  async output(name: string, catalog: Catalog, defaultCatalog: Catalog): Promise<Extract<SourceProfile, { bytes: Uint8Array }>> {
    const path = this.mapped(name, catalog, defaultCatalog);
    if (!path) throw forbidden(`icc=${name}: names no profile this server knows (sRGB, AdobeRGB, ProPhoto, DisplayP3, or the catalog's ICC profile map)`);
    const file = await this.read(path);
    if (!file || !('bytes' in file)) throw forbidden(`icc=${name}: its profile file cannot be read`);
    try {
      targetOf(parseProfile(file.bytes));
    } catch (err) {
      if (err instanceof ProfileError) throw forbidden(`icc=${name}: ${err.message} (CMYK and grey output are not supported)`);
      throw err;
    }
    return file;
  }

  private async named(name: string, catalog: Catalog, defaultCatalog: Catalog, rgb: boolean): Promise<SourceProfile | undefined> {
    const space = rgb ? rgbSpaceNamed(name) : undefined;
    if (space) return { space };
    return this.read(this.mapped(name, catalog, defaultCatalog) ?? this.underRoot(name.trim(), catalog));
  }

  /** A name of the catalog's ICC profile map, else the default catalog's, as a file path. */
  private mapped(name: string, catalog: Catalog, defaultCatalog: Catalog): string | undefined {
    const key = name.trim().toLowerCase();
    const owner = [catalog, defaultCatalog].find((c) => c.iccProfiles.has(key));
    return owner && this.underRoot(owner.iccProfiles.get(key)!, owner);
  }

  /** Map and attribute paths are relative to the owning catalog's RootPath. */
  private underRoot(path: string, catalog: Catalog): string {
    return isAbsolute(path) ? path : resolve(this.root, catalog.attributes.rootPath, path);
  }

  private async read(path: string): Promise<SourceProfile | undefined> {
    let info;
    try {
      info = await stat(path);
    } catch {
      return undefined;
    }
    if (!info.isFile() || info.size > MAX_PROFILE_BYTES) return undefined;
    const identity = `${path}:${info.size}:${info.mtimeMs}`;
    let file = this.files.get(path);
    if (file?.identity !== identity) {
      file = { identity, bytes: new Uint8Array(await readFile(path)) };
      if (this.files.size >= 32) this.files.delete(this.files.keys().next().value!);
      this.files.set(path, file);
    }
    return { key: path, identity, bytes: file.bytes };
  }
}
