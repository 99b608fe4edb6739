import { isAbsolute, relative, resolve as resolvePath, sep } from 'node:path';
import { forbidden } from '../protocol/errors.ts';
import { parseModifiers, type Modifier } from '../protocol/url.ts';
import type { Catalog, CatalogRecord } from './catalog.ts';
import type { Catalogs } from './load.ts';

/** What an object of the URL stands for (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/syntax-and-features/r-image-catalogs, https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/data-types/r-object). */
export interface ResolvedObject {
  catalog: Catalog;
  /** Absolute path of the source file, lexically inside its root (symlinks are checked on open). */
  file: string;
  /** The folder the file must stay inside. */
  root: string;
  /** catalog::Modifier, applied before the URL's commands. */
  modifiers: Modifier[];
  /** catalog::PostModifier, applied after them. */
  postModifiers: Modifier[];
  /** The catalog record the object named, if any. */
  record?: CatalogRecord;
  /**
   * The path named a catalog and no image (`/is/image/acme?layer=0&src=…`): the catalog is the
   * main one of the request, and a layer that needs the path image finds none.
   */
  catalogOnly?: boolean;
}

/** catalog::MaskPath of a record, as an object of its own (the path checked like Path). */
export function maskOf(object: ResolvedObject): ResolvedObject | undefined {
  const maskPath = object.record?.maskPath.trim();
  if (!maskPath) return undefined;
  checkPathElements(maskPath.split('/').filter((e) => e !== ''), 'catalog MaskPath');
  const file = containedPath(object.root, withDefaultExt(maskPath, object.catalog.attributes.defaultExt), 'catalog MaskPath');
  return { ...object, file, modifiers: [], postModifiers: [], record: undefined };
}

/** The catalog a path's first element names by its RootId, if any (the one rule of every context). */
export const catalogNamedBy = (elements: readonly string[], catalogs: Catalogs): Catalog | undefined =>
  elements.length === 0 ? undefined : catalogs.byRootId.get(elements[0]!);

/** The catalog a path's first element names, else the default catalog. */
export const catalogOfPath = (elements: readonly string[], catalogs: Catalogs): Catalog => catalogNamedBy(elements, catalogs) ?? catalogs.defaultCatalog;

/** A path with no object, or only a catalog's rootId: the request's main catalog, no image. */
export function catalogObject(elements: readonly string[], catalogs: Catalogs, imageRoot: string): ResolvedObject | undefined {
  if (elements.length > 1) return undefined;
  const catalog = elements.length === 0 ? catalogs.defaultCatalog : catalogNamedBy(elements, catalogs);
  if (!catalog) return undefined;
  const root = resolvePath(imageRoot, catalog.attributes.rootPath);
  return { catalog, root, file: '', modifiers: [], postModifiers: [], catalogOnly: true };
}

/** The object a request's path names: a catalog alone (no image), or an image of a catalog or the root. */
export const objectOfPath = (elements: readonly string[], catalogs: Catalogs, imageRoot: string): ResolvedObject =>
  catalogObject(elements, catalogs, imageRoot) ?? resolveObject(elements, catalogs, imageRoot);

/**
 * An object named by src= or mask= (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/data-types/r-object): a record of the main catalog by the whole
 * string, else `rootId/objId` or a path as for a URL; a leading `/` skips the main catalog.
 */
export function resolveLayerObject(name: string, main: Catalog, catalogs: Catalogs, imageRoot: string): ResolvedObject {
  const elements = name.split('/').filter((e) => e !== '');
  checkPathElements(elements, 'src');
  const id = elements.join('/');
  if (!name.startsWith('/') && (main.records.has(id) || (!catalogNamedBy(elements, catalogs) && main !== catalogs.defaultCatalog))) {
    return objectIn(main, id, imageRoot);
  }
  return resolveObject(elements, catalogs, imageRoot);
}

/**
 * Path elements arrive decoded one by one, so an element may now hold `/`, `\` or NUL: refuse
 * those, and `.`/`..`, before anything touches the file system.
 */
export function checkPathElements(elements: readonly string[], what: string): void {
  for (const e of elements) {
    if (e === '.' || e === '..' || /[\\/\0]/.test(e) || /[\x00-\x1f\x7f]/.test(e)) {
      throw forbidden(`Invalid ${what}: path elements may not be '.', '..' or contain slashes or control characters`);
    }
  }
}

/** True when `path` lies strictly below `root` (a sibling like `/root2` is outside `/root`). */
export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/** Joins `relativePath` under `root` and refuses anything that lands outside it. */
export function containedPath(root: string, relativePath: string, what: string): string {
  if (isAbsolute(relativePath)) throw forbidden(`Invalid ${what}: absolute paths are not allowed`);
  const full = resolvePath(root, relativePath);
  if (!isInside(root, full)) throw forbidden(`Invalid ${what}: it leads outside its folder`);
  return full;
}

const withDefaultExt = (path: string, ext: string) => {
  const last = path.split('/').at(-1) ?? '';
  return ext && !last.includes('.') ? `${path}${ext.startsWith('.') ? ext : `.${ext}`}` : path;
};

export function resolveObject(elements: readonly string[], catalogs: Catalogs, imageRoot: string): ResolvedObject {
  if (elements.length === 0) throw forbidden('The request names no image');
  checkPathElements(elements, 'object path');
  let catalog = catalogs.defaultCatalog;
  let objectId = elements.join('/');
  const named = catalogNamedBy(elements, catalogs);
  if (named && elements.length > 1) {
    const id = elements.slice(1).join('/');
    if (named.records.has(id) || !named.attributes.fullMatch) {
      catalog = named;
      objectId = id;
    }
  }
  return objectIn(catalog, objectId, imageRoot);
}

function objectIn(catalog: Catalog, objectId: string, imageRoot: string): ResolvedObject {
  const record = catalog.records.get(objectId);
  const root = resolvePath(imageRoot, catalog.attributes.rootPath);
  // A record without a Path (a template made of layers alone) has no image of its own.
  const imageless = record !== undefined && record.path.trim() === '';
  const path = withDefaultExt(record ? record.path : objectId, catalog.attributes.defaultExt);
  if (record) checkPathElements(path.split('/').filter((e) => e !== ''), 'catalog Path');
  return {
    catalog,
    root,
    file: imageless ? '' : containedPath(root, path, 'object path'),
    ...(imageless ? { catalogOnly: true } : {}),
    modifiers: record ? parseModifiers(record.modifier) : [],
    postModifiers: record ? parseModifiers(record.postModifier) : [],
    record,
  };
}
