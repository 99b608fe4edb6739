import { forbidden } from '../protocol/errors.ts';
import type { Pixels } from '../image/pixels.ts';
import type { SourcePlan } from '../planning/plan.ts';
import { deliveredFactor } from '../planning/shrink.ts';
import { decodeKey } from '../planning/composite-footprint.ts';
import type { InflateBudget } from '../protocol/account.ts';
import { manageColor } from './steps/icc.ts';
import { decode } from './steps/codec.ts';
import { orient } from './steps/orient.ts';

/**
 * The job's source files, each decoded once per shrink factor however many layers use it (the
 * planner gives the layers using a file one factor). The last use takes the decoded pixels; earlier ones get
 * copies, since steps may work in place.
 */
export class DecodedSources {
  /** A source's colours were converted to sRGB: its own profile no longer describes the pixels. */
  converted = false;
  private readonly decoded = new Map<string, Promise<{ image: Pixels; factor: number }>>();

  /** How many decodes the job makes in all. */
  private readonly decodes: number;

  constructor(
    private readonly files: readonly ArrayBufferLike[],
    /** By decodeKey (planning/composite-footprint.ts). */
    private readonly uses: Map<string, number>,
    /** What embedded profiles may inflate to (the request's share, protocol/account.ts). */
    private readonly budget: InflateBudget,
  ) {
    this.decodes = [...uses.values()].reduce((a, b) => a + b, 0);
  }

  /**
   * The oriented image, and the factor the decoder delivered (1 when it declined to shrink). With
   * `late`, an RGB source's colour conversion is left to the caller (convert()), who runs it after
   * the crop and resize that come first: fewer pixels to convert (startSingle, compose.ts).
   */
  async take(file: number, source: SourcePlan, late = false): Promise<{ image: Pixels; factor: number; converting: boolean }> {
    // A 16-bit source converts at the decode, from its 16-bit colours.
    const deferred = late && this.decodes === 1 && source.color?.space === 'profiled' && !source.color.wide;
    const key = decodeKey(file, source);
    let pending = this.decoded.get(key);
    if (!pending) {
      pending = this.decodeOnce(file, source, deferred);
      this.decoded.set(key, pending);
    }
    const { image, factor } = await pending;
    const left = (this.uses.get(key) ?? 1) - 1;
    this.uses.set(key, left);
    if (left > 0) return { image: { ...image, data: image.data.slice() }, factor, converting: deferred };
    this.decoded.delete(key);
    return { image, factor, converting: deferred };
  }

  /** A source's colour conversion (SourcePlan.color), in place; from `wide`, its RGBA16, when the decoder gave it. */
  convert(file: number, source: SourcePlan, pixels: Uint8ClampedArray, wide?: Uint16Array): void {
    const color = source.color;
    const bytes = this.files[file];
    if (!color || !bytes) return;
    const assumed = color.assumed && ('file' in color.assumed ? new Uint8Array(this.files[color.assumed.file]!) : color.assumed.space);
    const target = color.targetFile !== undefined ? new Uint8Array(this.files[color.targetFile]!) : color.target;
    if (manageColor(new Uint8Array(bytes), this.budget, pixels, color.space === 'cmyk', color.intent, target, assumed, color.bpc, wide)) this.converted = true;
  }

  private async decodeOnce(file: number, source: SourcePlan, deferred: boolean): Promise<{ image: Pixels; factor: number }> {
    const bytes = this.files[file];
    if (!bytes) throw new Error(`The job has no source file ${file}`);
    const { wide, alpha, decodedPixels, ...pixels } = await decode(bytes, source.format, source.shrink, source.fullDecode !== false, source.color?.space === 'cmyk', source.color?.wide, source.read);
    // Counted, never refused: the worker's account has no pixel limit, the request's was charged the plan's estimate.
    this.budget.account.charge('pixels', decodedPixels ?? pixels.width * pixels.height);
    let decoded: Pixels = pixels;
    // Our JPEG kernel hands back a view into its memory, which its next decode reuses: a job that
    // decodes more than once (a composite) keeps its own copy.
    const view = decoded.data.byteOffset !== 0 || decoded.data.byteLength !== decoded.data.buffer.byteLength;
    if (view && this.decodes > 1) decoded = { ...decoded, data: decoded.data.slice() };
    if (!deferred) this.convert(file, source, decoded.data, wide);
    // A CMYK source's alpha, kept apart while its pixels held inks (a CMYK source always converts here).
    if (alpha) for (let i = 0; i < alpha.length; i++) decoded.data[i * 4 + 3] = alpha[i]!;
    const image = orient(decoded, source.orientation);
    // A region read delivers its rect, which its steps start from (planning/tiff-region.ts).
    const rect = source.read?.rect;
    const factor = rect ? (image.width === rect.width && image.height === rect.height ? 1 : undefined) : deliveredFactor(image, source.size, source.shrink);
    // The planner trusted the header; a decoder that disagrees means a malformed file.
    if (factor === undefined) throw forbidden('The source image is corrupt: its header and its data disagree on the size');
    return { image, factor };
  }
}
