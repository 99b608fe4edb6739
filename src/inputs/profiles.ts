import { readFile, stat } from 'node:fs/promises';
import { fileIdentity } from './file-identity.ts';
import { BoundedCache } from '../common/bounded-cache.ts';
import { isAbsolute, resolve } from 'node:path';
import type { Catalog } from '../catalog/catalog.ts';
import { grayGammaNamed, PRINT_PROFILES, rgbSpaceNamed, type RgbSpaceName } from '../protocol/icc-names.ts';
import { builtinGrayProfile } from '../image/icc-profiles.ts';
import { forbidden } from '../protocol/errors.ts';
import { parseProfile, ProfileError } from '../image/icc.ts';
import { outputKind, type OutputKind } from '../image/icc-pcs.ts';
import { FORMATS } from '../protocol/formats.ts';
import type { OutputSpec } from '../protocol/request.ts';

/**
 * The catalog's profiles for sources that embed none (attribute::IccProfileSrcRgb,
 * IccProfileSrcCmyk and IccProfileSrcGray, https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/syntax-and-features/r-color-management): each a built-in RGB space's name, an icc::Name of
 * the catalog's ICC profile map or the default catalog's, or a path relative to RootPath. A name
 * none of these resolves is no profile: the source is then taken as the output space, as the
 * reference says (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/attributes/r-iccprofilesrcrgb). Files are read once and kept while unchanged.
 */
export type SourceProfile = { space: RgbSpaceName } | ProfileFile;
export type ProfileFile = { key: string; identity: string; bytes: Uint8Array };
export type SourceProfiles = { rgb?: SourceProfile; cmyk?: SourceProfile; gray?: SourceProfile };

const MAX_PROFILE_BYTES = 4 * 1024 * 1024;
/** Profile files kept at most, the least recently used out: a catalog names a handful. */
const MAX_PROFILE_FILES = 32;

/** A built-in grey space by name (icc-names.ts), as a profile file of the job. */
function builtinGray(name: string): ProfileFile | undefined {
  const gamma = grayGammaNamed(name);
  if (gamma === undefined) return undefined;
  const key = `builtin:gray ${gamma}`;
  return { key, identity: key, bytes: builtinGrayProfile(gamma) };
}

export class ProfileFiles {
  private readonly files = new BoundedCache<string, { identity: string; bytes: Uint8Array }>({ maxEntries: MAX_PROFILE_FILES });

  constructor(private readonly root: string) {}

  /** For each pixel type, IccProfileSrc*, else the output default IccProfile* (the input colour space of https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/syntax-and-features/r-color-management). */
  async forSources(catalog: Catalog, defaultCatalog: Catalog): Promise<SourceProfiles> {
    const a = catalog.attributes;
    const rgbName = a.iccProfileSrcRgb || a.iccProfileRgb;
    const cmykName = a.iccProfileSrcCmyk || a.iccProfileCmyk;
    const grayName = a.iccProfileSrcGray || a.iccProfileGray;
    const rgb = rgbName ? await this.named(rgbName, catalog, defaultCatalog, true) : undefined;
    const cmyk = cmykName ? await this.named(cmykName, catalog, defaultCatalog, false) : undefined;
    const gray = grayName ? await this.named(grayName, catalog, defaultCatalog, false) : undefined;
    return { ...(rgb ? { rgb } : {}), ...(cmyk ? { cmyk } : {}), ...(gray ? { gray } : {}) };
  }

  /**
   * The reply's profile named by icc= (an icc::Name of the catalog's map or the default catalog's,
   * https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-icc) or by the catalog's attribute::IccProfileCmyk/Gray/Rgb for the pixel type (a name
   * or a path under RootPath): read, checked as an output profile, and matched with the format, which
   * must carry its pixel type (`kind`: a matrix RGB space, or the device values of a LUT RGB, CMYK or
   * grey profile). Anything else is a 403 naming it.
   */
  async output(output: OutputSpec, catalog: Catalog, defaultCatalog: Catalog): Promise<{ file: ProfileFile; kind: OutputKind }> {
    const { profile: name = '', explicit } = output.icc!;
    const what = explicit ? `icc=${name}` : `the catalog's profile ${name}`;
    // The catalog's map first, then the built-in grey spaces, then (for an attribute) a path under RootPath.
    const mapped = this.mapped(name, catalog, defaultCatalog);
    const builtin = mapped ? undefined : builtinGray(name);
    const path = mapped ?? (explicit || builtin ? undefined : this.underRoot(name, catalog));
    if (!builtin && !path) {
      const print = PRINT_PROFILES.has(name.toLowerCase()) ? '; Isle bundles no CMYK profile, so the map must name its file' : '';
      throw forbidden(`${what}: names no profile this server knows (sRGB, AdobeRGB, ProPhoto, DisplayP3, Gray, or the catalog's ICC profile map${print})`);
    }
    const file = builtin ?? (await this.read(path!));
    if (!file || !('bytes' in file)) throw forbidden(`${what}: its profile file cannot be read`);
    let kind: OutputKind;
    try {
      kind = outputKind(parseProfile(file.bytes));
    } catch (err) {
      if (err instanceof ProfileError) throw forbidden(`${what}: ${err.message}`);
      throw err;
    }
    const type = kind === 'matrix' ? 'rgb' : kind;
    const wanted = output.cmyk ? 'cmyk' : output.gray ? 'gray' : 'rgb';
    // The attribute for a pixel type must name a profile of that type (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/attributes/r-iccprofilecmyk).
    if (!explicit && type !== wanted) throw forbidden(`${what}: is a ${type.toUpperCase()} profile, for ${wanted.toUpperCase()} replies`);
    // fmt= must be able to carry the profile's pixel type (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-icc).
    if (type !== 'rgb' && !FORMATS[output.format][type]) throw forbidden(`${what} is a ${type.toUpperCase()} profile: fmt=${output.format} does not take ${type} pixels`);
    return { file, kind };
  }

  private async named(name: string, catalog: Catalog, defaultCatalog: Catalog, rgb: boolean): Promise<SourceProfile | undefined> {
    const space = rgb ? rgbSpaceNamed(name) : undefined;
    if (space) return { space };
    const gray = rgb ? undefined : builtinGray(name);
    if (gray && !this.mapped(name, catalog, defaultCatalog)) return gray;
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
      info = await stat(path, { bigint: true });
    } catch {
      return undefined;
    }
    if (!info.isFile() || info.size > MAX_PROFILE_BYTES) return undefined;
    const identity = fileIdentity(path, info);
    let file = this.files.get(path);
    if (file?.identity !== identity) {
      file = { identity, bytes: new Uint8Array(await readFile(path)) };
      this.files.set(path, file);
    }
    return { key: path, identity, bytes: file.bytes };
  }
}
