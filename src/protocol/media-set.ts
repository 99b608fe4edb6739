import { forbidden } from './errors.ts';
import { splitTopLevel } from './url.ts';

/**
 * req=set (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/req/r-set): a catalog record's ImageSet read by its grammar
 * (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/image-svg-ref/image-data-reference/r-imageset-cat), its type decided (AssetType first, then the reference's heuristics),
 * and the media set description built as a tree that serialises to the viewers' JSON and XML.
 * Pure: what each member is (size, version, user data) comes in through a lookup.
 */

export type SetType = 'img' | 'img_set' | 'media_set' | 'spin' | 'video' | 'video_set' | 'ecat' | 'static' | 'empty';

/** One entry of an ImageSet: an image (or nested set), its swatch, and a media set's type field. */
export interface SetEntry {
  image: string;
  /** A swatch image id, or a solid colour swatch `0xrrggbb` with an optional label. */
  swatch?: { id: string } | { color: string; label?: string };
  /** A media set item's type (`img`, `spin`, …), mapped to the inner type names. */
  type?: SetType;
  /** An inline set (`{a;b}` in a 2D spin set or a media set). */
  inline?: string;
}

/** What the lookup tells of a member image. */
export interface MemberInfo {
  /** The id to show: `rootId/objId`. */
  name: string;
  width: number;
  height: number;
  /** The image version, as req=props' image.version. */
  version: string;
  userData: Record<string, string>;
  /** The member's own ImageSet and AssetType when it is a set record. */
  imageSet?: string;
  assetType?: string;
}

/** Media set item types (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/image-svg-ref/image-data-reference/r-imageset-cat) to the inner set types. */
const ITEM_TYPES: Record<string, SetType> = {
  img: 'img',
  basic: 'img',
  advanced_image: 'img',
  img_set: 'img_set',
  advanced_image_set: 'img_set',
  advanced_imageset: 'img_set',
  advanced_swatchset: 'img_set',
  spin: 'spin',
  video: 'video',
  video_set: 'video_set',
  static: 'static',
  ecat: 'ecat',
};

const ASSET_TYPES: Record<string, SetType> = {
  MEDIASET: 'media_set',
  SPINSET: 'spin',
  SPINSET2D: 'spin',
  VIDEOSET: 'video_set',
  IMAGESET: 'img_set',
  ECATALOG: 'ecat',
};

const unescape = (s: string) => {
  try {
    return decodeURIComponent(s.trim());
  } catch {
    return s.trim();
  }
};

/** The top-level entries of an ImageSet: `,`-separated, brackets kept whole. */
export function parseImageSet(text: string): SetEntry[] {
  const body = text.trim();
  if (body === '') return [];
  return splitTopLevel(body, ',')
    .map((raw) => raw.trim())
    .filter((raw) => raw !== '')
    .map((raw) => {
      const inline = /^[{(](.*)[})]$/s.exec(raw);
      if (inline) return { image: '', inline: inline[1]! };
      const [image = '', swatch, type] = splitTopLevel(raw, ';').map((p) => p.trim());
      const entry: SetEntry = { image: unescape(image) };
      const solid = swatch ? /^\{0x([0-9a-f]{6})(.*)\}$/i.exec(swatch) : null;
      if (solid) entry.swatch = { color: `0x${solid[1]!.toLowerCase()}`, ...(solid[2]!.trim() ? { label: unescape(solid[2]!) } : {}) };
      else if (swatch) entry.swatch = { id: unescape(swatch) };
      if (type) entry.type = ITEM_TYPES[type.toLowerCase()];
      return entry;
    });
}

/**
 * The set's type (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/syntax-and-features/r-media-set-requests): AssetType when the record has one; else any entry
 * with `:` is an e-catalog, with two `;` a media set, with one `;` an image (swatch) set, a nested set a
 * 2D spin set; a plain comma list is an image set; no ImageSet at all, an image.
 */
export function setTypeOf(imageSet: string, assetType: string): SetType {
  const known = ASSET_TYPES[assetType];
  if (known) return known;
  if (imageSet.trim() === '') return 'img';
  const raw = splitTopLevel(imageSet.trim(), ',');
  if (raw.some((r) => r.includes(':'))) return 'ecat';
  if (raw.some((r) => (r.match(/;/g) ?? []).length >= 2)) return 'media_set';
  if (raw.some((r) => r.includes(';') && !/^[{(]/.test(r.trim()))) return 'img_set';
  if (raw.some((r) => /^[{(]/.test(r.trim()))) return 'spin';
  return 'img_set';
}

/** A node of the description: attributes as strings, child elements, repeated ones as arrays. */
export interface SetNode {
  [key: string]: string | SetNode | SetNode[];
}

/** The members of a basic spin set are `;`-separated; viewers also send `,` lists. */
const spinMembers = (text: string) => splitTopLevel(text, text.includes(';') ? ';' : ',').map(unescape).filter((m) => m !== '');

/** Builds the description of a record: its type, its name, and an item per member. */
export async function describeSet(
  name: string,
  imageSet: string,
  assetType: string,
  /** A member's description; undefined for one that cannot be read, which the set leaves out. */
  lookup: (id: string) => Promise<MemberInfo | undefined>,
  /** labelkey=; relation: the record's smart crops, which AEM reads as `set.relation[]`. */
  options: { labelKey?: string; depth?: number; relation?: SetNode[] } = {},
): Promise<SetNode> {
  const depth = options.depth ?? 0;
  if (depth > 4) throw forbidden('Media sets nest more than 4 deep');
  const type = setTypeOf(imageSet, assetType);
  const set: SetNode = { pv: '1.0', type, n: name };
  const label = (info: MemberInfo): SetNode => (options.labelKey && info.userData[options.labelKey] !== undefined ? { l: info.userData[options.labelKey]! } : {});
  const imageItem = async (id: string, swatch?: SetEntry['swatch']): Promise<SetNode | undefined> => {
    const info = await lookup(id);
    if (!info) return undefined;
    const item: SetNode = { i: { n: info.name, ...label(info) } };
    if (swatch && 'id' in swatch) {
      // An unreadable swatch leaves its item without one: the image itself still shows.
      const s = await lookup(swatch.id);
      if (s) item.s = { n: s.name, ...label(s) };
    } else if (swatch) item.s = { c: swatch.color, ...(swatch.label ? { l: swatch.label } : {}) };
    item.dx = String(info.width);
    item.dy = String(info.height);
    item.iv = info.version;
    if (Object.keys(info.userData).length > 0) item.userdata = { ...info.userData };
    return item;
  };
  const items: SetNode[] = [];
  const add = (list: SetNode[], item: SetNode | undefined) => {
    if (item) list.push(item);
  };
  if (type === 'img') {
    add(items, await imageItem(name));
  } else if (type === 'spin' && !imageSet.includes(',')) {
    for (const id of spinMembers(imageSet)) add(items, await imageItem(id));
  } else {
    for (const entry of parseImageSet(imageSet)) {
      if (entry.inline !== undefined) {
        const members: SetNode[] = [];
        for (const id of spinMembers(entry.inline)) add(members, await imageItem(id));
        if (members.length > 0) items.push({ type: 'spin', set: { pv: '1.0', type: 'spin', item: collapse(members) } });
        continue;
      }
      const member = await lookup(entry.image);
      if (!member) continue;
      // A member that is itself a set record (a spin set in a media set) nests its description.
      if (member.imageSet) {
        const inner = await describeSet(member.name, member.imageSet, member.assetType ?? '', lookup, { labelKey: options.labelKey, depth: depth + 1 });
        const item: SetNode = { type: entry.type ?? (inner.type as string), set: inner };
        const swatch = entry.swatch && 'id' in entry.swatch ? await lookup(entry.swatch.id) : undefined;
        if (swatch) item.s = { n: swatch.name };
        items.push(item);
        continue;
      }
      const item = await imageItem(entry.image, entry.swatch);
      if (item) items.push(type === 'media_set' ? { type: entry.type ?? 'img', ...item } : item);
    }
  }
  if (items.length === 0) return { pv: '1.0', type: 'empty', n: name };
  set.item = collapse(items);
  // Always an array: AEM's image component indexes it.
  if (options.relation?.length) set.relation = options.relation;
  return set;
}

/** One item is an object, several an array: what the reference's replies do and clients expect. */
const collapse = (items: SetNode[]): SetNode | SetNode[] => (items.length === 1 ? items[0]! : items);

const xmlEscape = (s: string) => s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);

/** The same tree as XML: string fields as attributes, objects as child elements of their key's name. */
export function setToXml(root: SetNode, element = 'set'): string {
  const attributes = Object.entries(root).filter(([, v]) => typeof v === 'string').map(([k, v]) => ` ${k}="${xmlEscape(v as string)}"`).join('');
  const children = Object.entries(root)
    .filter(([, v]) => typeof v !== 'string')
    .flatMap(([k, v]) => (Array.isArray(v) ? v.map((c) => setToXml(c, k)) : [setToXml(v as SetNode, k)]))
    .join('');
  return children === '' ? `<${element}${attributes}/>` : `<${element}${attributes}>${children}</${element}>`;
}
