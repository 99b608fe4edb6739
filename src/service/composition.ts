import { effectiveModifiers } from '../catalog/modifiers.ts';
import { checkPathElements, maskOf, objectOfPath, resolveLayerObject, resolveObject, type ResolvedObject } from '../catalog/resolve.ts';
import { splitWatermark } from '../protocol/watermark.ts';
import { targetRequest, watermarked, type ResolvedWatermark } from '../planning/watermark.ts';
import type { Catalog } from '../catalog/catalog.ts';
import { overLimit, type Account } from '../protocol/account.ts';
import { admitClient } from '../protocol/addresses.ts';
import { lastWins } from '../protocol/command-map.ts';
import { forbidden, IsError } from '../protocol/errors.ts';
import { interpretRequest } from '../protocol/layers.ts';
import type { ImageRequest, LayerSource } from '../protocol/request.ts';
import { parseNestedTarget, type Modifier } from '../protocol/url.ts';
import { checkSourceHeader } from '../planning/plan-request.ts';
import { clipSegments } from '../planning/clip.ts';
import type { ResolvedComposite, ResolvedInput, ResolvedLayer } from '../planning/composite.ts';
import { sniff } from '../planning/source-formats.ts';
import type { ServerContext } from './context.ts';
import { JobFiles, sourceLimits } from './job-files.ts';
import { requestDefaults } from './request-defaults.ts';
import { preprocessNested } from './preprocess.ts';

/**
 * The I/O half of a layered request: every source a layer, a mask or a nested request names is
 * resolved in its catalog, read once and its header checked, and nested requests are parsed with
 * their own catalog's modifiers and macros; the result is the tree the pure planner
 * (planning/composite.ts) takes.
 */
export interface CompositionInput {
  ctx: Pick<ServerContext, 'config' | 'catalogs' | 'origins' | 'originAllow' | 'sourceHeaders' | 'sourceReads' | 'fonts' | 'profiles'>;
  object: ResolvedObject;
  variables: ReadonlyMap<string, string>;
  alignGiven: boolean;
  account: Account;
  /** The client's address: a layer, mask or nested request of a catalog with a ClientAddressFilter obeys it. */
  clientAddress: string | undefined;
}

/** Commands a nested request ignores (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/syntax-and-features/r-request-nesting-and-embedding). */
const IGNORED_WHEN_NESTED = new Set(['fmt', 'qlt', 'iccembed', 'printres', 'quantize', 'req', 'bgc']);

class Resolver {
  private layerCount = 0;

  constructor(
    private readonly ctx: CompositionInput['ctx'],
    readonly files: JobFiles,
    private readonly account: Account,
    private readonly clientAddress: string | undefined,
  ) {}

  /** An object of another catalog is served only to the clients that catalog admits, as a request for it is. */
  private admitted(object: ResolvedObject): ResolvedObject {
    admitClient(object.catalog.attributes.clientFilter, this.clientAddress);
    return object;
  }

  async composite(request: ImageRequest, object: ResolvedObject, variables: ReadonlyMap<string, string>, nested: boolean, depth: number, alignGiven: boolean): Promise<ResolvedComposite> {
    const { layers, effects, effectMask } = request.layered!;
    this.layerCount += layers.length;
    const max = this.ctx.config['max-layers'];
    if (this.layerCount > max) throw forbidden(`The request has more than ${max} layers`);
    const attributes = object.catalog.attributes;
    const resolved: ResolvedLayer[] = [];
    for (const given of layers) {
      if (given.source.kind === 'text') {
        const setting = await this.ctx.fonts.setting(given.source.text, object.catalog, this.ctx.catalogs.defaultCatalog, this.ctx.config['max-font-size'], this.account);
        const mask = given.mask ? (await this.input(given.mask, object, variables, depth, true)).input : undefined;
        this.account.charge('paths', clipSegments(given.clip, undefined));
        resolved.push({ request: given, input: { kind: 'text', setting }, mask });
        continue;
      }
      const { input, record } = await this.input(given.source, object, variables, depth);
      // A catalog record brings its Anchor and MaskPath (mask= wins, as https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-mask says).
      const layer = record?.object.record?.anchor && !given.anchor ? { ...given, anchor: { ...record.object.record.anchor, normalized: false } } : given;
      const maskObject = !layer.mask && record ? maskOf(record.object) : undefined;
      const mask = layer.mask
        ? (await this.input(layer.mask, object, variables, depth, true)).input
        : maskObject
          ? { kind: 'file' as const, ...(await this.files.add(maskObject)) }
          : undefined;
      if (layer.number === 0 && !input && layer.source.kind === 'path' && !layer.transform.size && !layer.clip?.keep?.explicit) {
        throw forbidden('Layer 0 is required: the path names no image, and layer 0 has no src=, color=, size= or clipPath=');
      }
      this.account.charge('paths', clipSegments(layer.clip, pathsOf(input)));
      resolved.push({ request: layer, input, mask });
    }
    const zero = resolved.find((l) => l.request.number === 0);
    this.account.charge('paths', clipSegments(request.layered!.clip, pathsOf(zero?.input)));
    return {
      request,
      layers: resolved,
      effects,
      attributes,
      nested,
      effectMask: effectMask ?? attributes.applyEffectMask,
      alignGiven,
    };
  }

  /** A layer's (or a mask's) input, and the catalog object it came from when it is a file. */
  private async input(
    source: LayerSource,
    main: ResolvedObject,
    variables: ReadonlyMap<string, string>,
    depth: number,
    asMask = false,
  ): Promise<{ input?: ResolvedInput; record?: { object: ResolvedObject } }> {
    switch (source.kind) {
      case 'solid':
      case 'empty':
      case 'text':
        return {};
      case 'path':
        // A company-only path has no image: layer 0 is then made of its size= alone.
        if (main.catalogOnly) return {};
        return { input: { kind: 'file', ...(await this.files.add(main)) }, record: { object: main } };
      case 'object': {
        const named = this.layerObject(source.name, main.catalog);
        // mask= naming a record uses its MaskPath when it has one, else its Path (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-mask).
        const object = (asMask && maskOf(named)) || named;
        return { input: { kind: 'file', ...(await this.fileOrDefault(object, main.catalog)) }, record: { object } };
      }
      case 'nested':
        return { input: await this.nested(source.target, main, variables, depth + 1) };
      case 'foreign':
        return { input: { kind: 'file', ...(await this.foreign(source.url, main)) } };
    }
  }

  /**
   * src=(url): relative to RootUrl, or absolute where AllowDirectUrls allows
   * (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/syntax-and-features/r-request-nesting-and-embedding), fetched under the address rules of origin/fetch.ts.
   */
  private async foreign(text: string, main: ResolvedObject) {
    const { rootUrl, allowDirectUrls } = main.catalog.attributes;
    const absolute = /^[a-z][a-z0-9+.-]*:/i.test(text);
    if (absolute && !allowDirectUrls) throw forbidden('src=(url): absolute foreign URLs need AllowDirectUrls on this catalog');
    if (!absolute && rootUrl === '') throw forbidden('src=(url): foreign image sources are not enabled on this catalog (it has no RootUrl)');
    let url: URL;
    try {
      url = absolute ? new URL(text) : new URL(text, rootUrl);
    } catch {
      throw forbidden('src=(url): not a valid URL');
    }
    // Read once per job: a layer that names the same URL again takes the job's copy.
    const held = this.files.held(url.href);
    if (held) return held;
    const { config, origins, originAllow } = this.ctx;
    const maxSourcePixels = config['max-source-pixels'];
    // The download stops at what the request has left to hold, not only at the origin's limit.
    const perSource = config['origin-max-bytes'] * 1024 * 1024;
    const left = this.account.remaining.fetched;
    // The server's bound on held bodies applies while a body arrives, and until the request ends.
    const holder = origins.holder();
    this.files.holding(holder.release);
    const { bytes, identity } = await origins.get(url, {
      allow: originAllow,
      maxBytes: Math.min(perSource, left),
      tooLarge: left < perSource ? () => overLimit('fetched', this.account.limits.fetched) : undefined,
      onBytes: holder.grow,
      timeoutMs: config['origin-timeout'],
      // A relative source stays under RootUrl, redirects included.
      permits: (u) => allowDirectUrls || (rootUrl !== '' && u.href.startsWith(rootUrl)),
      onHead: (head) => {
        let info;
        try {
          info = sniff(head);
        } catch {
          return; // not enough of the header yet: judged when the whole file is here
        }
        checkSourceHeader(info, { maxSourcePixels });
      },
    });
    // Every body the job holds until it ends counts against the request, fetched or from the origin cache.
    this.account.charge('fetched', bytes.byteLength);
    holder.growTo(bytes.byteLength);
    return this.files.addBytes(url.href, identity, bytes, new Date());
  }

  private layerObject(name: string, main: Catalog): ResolvedObject {
    const object = this.admitted(resolveLayerObject(name, main, this.ctx.catalogs, this.ctx.config.root));
    // A record whose Modifier makes layers of its own must be nested instead (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/command-reference/r-src).
    if ([...object.modifiers, ...object.postModifiers].some((m) => m.name === 'src' || m.name === 'mask' || m.name === 'layer')) {
      throw forbidden(`src=${name}: a catalog record with layers of its own must be used as a nested request, is{${name}}`);
    }
    return object;
  }

  /** DefaultImageMode 1 replaces only the missing layer's image (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/attributes/r-defaultimagemode). */
  private async fileOrDefault(object: ResolvedObject, main: Catalog) {
    try {
      return await this.files.add(object);
    } catch (err) {
      const { defaultImage, defaultImageMode } = main.attributes;
      if (!(err instanceof IsError && err.missingImage) || defaultImageMode !== 1 || defaultImage === '') throw err;
      const substitute = this.admitted(resolveObject(defaultImage.split('/').filter((e) => e !== ''), this.ctx.catalogs, this.ctx.config.root));
      return this.files.add(substitute);
    }
  }

  /** attribute::Watermark's record as a nested request, its placing commands taken out (protocol/watermark.ts). */
  async watermark(id: string, main: Catalog): Promise<ResolvedWatermark> {
    const { catalogs, config } = this.ctx;
    const elements = id.split('/').filter((e) => e !== '');
    const holder = [main, catalogs.defaultCatalog].find((c) => c.records.has(elements.join('/')));
    if (!holder) throw forbidden(`attribute::Watermark names no record of this catalog or the default catalog: ${id}`);
    const object = resolveObject(holder.rootId === '' ? elements : [holder.rootId, ...elements], catalogs, config.root);
    const effective = effectiveModifiers(object, [], catalogs, id, { maxCommands: config['max-modifiers'], account: this.account }, new Map());
    const { placement, modifiers } = splitWatermark(effective.modifiers);
    try {
      return { input: await this.request(object, modifiers, effective.variables, 1), placement };
    } catch (err) {
      // The server's setup, not the request's image: the default image must not stand in for it.
      if (err instanceof IsError && err.missingImage) throw forbidden(`The watermark ${id} names an image that is missing`);
      throw err;
    }
  }

  /** is{path?query}: parsed like a top-level request, in the catalog its own path names. */
  private async nested(target: string, outer: ResolvedObject, variables: ReadonlyMap<string, string>, depth: number): Promise<ResolvedInput> {
    const max = this.ctx.config['max-nesting'];
    if (depth > max) throw forbidden(`Nested requests go more than ${max} deep (does a request nest itself?)`);
    const { path: elements, modifiers: given } = parseNestedTarget(preprocessNested(target, this.ctx.catalogs));
    checkPathElements(elements, 'nested request path');
    const { catalogs, config } = this.ctx;
    // An empty path keeps the outer request's main catalog (https://experienceleague.adobe.com/en/docs/dynamic-media-developer-resources/image-serving-api/image-serving-api/http-protocol-reference/templates/c-templates: ids resolve there).
    const object: ResolvedObject =
      elements.length === 0
        ? { ...outer, file: '', modifiers: [], postModifiers: [], record: undefined, catalogOnly: true }
        : this.admitted(objectOfPath(elements, catalogs, config.root));
    const objectPath = elements.length === 0 ? (variables.get('object') ?? '') : elements.join('/');
    const effective = effectiveModifiers(object, given, catalogs, objectPath, { maxCommands: config['max-modifiers'], account: this.account }, variables);
    return this.request(object, effective.modifiers, effective.variables, depth);
  }

  /** A nested request's commands read, and its layers or its image resolved. */
  private async request(object: ResolvedObject, given: Modifier[], variables: ReadonlyMap<string, string>, depth: number): Promise<ResolvedInput> {
    const modifiers = given.filter((m) => !IGNORED_WHEN_NESTED.has(m.name));
    // Kept with its alpha: the result's transparency is the layer's mask.
    const request = interpretRequest([...modifiers, { name: 'fmt', value: 'png-alpha' }], requestDefaults(object.catalog.attributes, this.ctx.config));
    const alignGiven = lastWins(modifiers).has('align');
    if (request.layered) {
      return { kind: 'composite', composite: await this.composite(request, object, variables, true, depth, alignGiven) };
    }
    const { file, header } = await this.files.add(object);
    return { kind: 'single', file, header, request, attributes: object.catalog.attributes };
  }
}

/**
 * A request with its catalog's watermark (planning/watermark.ts): the target, the request without
 * its view, is a nested composite or image, and the watermark its record as a nested request.
 */
export async function resolveWatermarked(request: ImageRequest, id: string, input: CompositionInput): Promise<{ resolved: ResolvedComposite; files: JobFiles; sourceAlpha?: boolean }> {
  const { ctx, object } = input;
  const files = new JobFiles(ctx.sourceHeaders, sourceLimits(ctx.config), input.account, ctx.sourceReads.holder());
  const resolver = new Resolver(ctx, files, input.account, input.clientAddress);
  try {
    const pngAlpha = interpretRequest([{ name: 'fmt', value: 'png-alpha' }], requestDefaults(object.catalog.attributes, ctx.config)).output;
    const inner = targetRequest(request, pngAlpha);
    let target: ResolvedInput;
    // A marked image is as transparent as its source: the watermark lies over it.
    let sourceAlpha: boolean | undefined;
    if (request.layered) target = { kind: 'composite', composite: await resolver.composite(inner, object, input.variables, true, 0, false) };
    else {
      const { file, header } = await files.add(object);
      target = { kind: 'single', file, header, request: inner, attributes: object.catalog.attributes };
      sourceAlpha = header.hasAlpha;
    }
    const mark = await resolver.watermark(id, object.catalog);
    return { resolved: watermarked(request, target, mark, object.catalog.attributes, input.alignGiven), files, sourceAlpha };
  } catch (err) {
    files.release();
    throw err;
  }
}
/** The embedded paths clipPathE= may name: a source file's, not a nested request's. */
const pathsOf = (input: ResolvedInput | undefined) => (input?.kind === 'file' ? input.header.paths : undefined);

/** Resolves a layered request's tree and reads its sources. */
export async function resolveComposition(request: ImageRequest, input: CompositionInput): Promise<{ resolved: ResolvedComposite; files: JobFiles }> {
  const files = new JobFiles(input.ctx.sourceHeaders, sourceLimits(input.ctx.config), input.account, input.ctx.sourceReads.holder());
  const resolver = new Resolver(input.ctx, files, input.account, input.clientAddress);
  try {
    const resolved = await resolver.composite(request, input.object, input.variables, false, 0, input.alignGiven);
    return { resolved, files };
  } catch (err) {
    files.release();
    throw err;
  }
}
