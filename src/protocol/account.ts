import { IsError } from './errors.ts';

/**
 * One account per request of what it may cost, in one table of limits. Every stage charges it
 * before it does the work (expanding, laying text out, inflating, fetching, decoding), so the
 * first charge that would pass a limit ends the request with a 403 that names the limit, and
 * no stage ever grows past it. Nested requests, layers and the worker's share all charge the
 * same account (the worker gets what is left: `remaining`).
 */
export const METERS = {
  query: { option: 'max-query-bytes', unit: 'bytes of expanded query and text' },
  glyphs: { option: 'max-glyphs', unit: 'characters of text laid out' },
  points: { option: 'max-text-points', unit: 'points of text outlines' },
  inflated: { option: 'max-inflate', unit: 'bytes inflated' },
  fetched: { option: 'max-fetch-bytes', unit: 'bytes fetched from origins' },
  read: { option: 'max-read-bytes', unit: "bytes of source files taken (whole, or a TIFF's strips and tiles by range)" },
  pixels: { option: 'max-request-pixels', unit: 'pixels decoded' },
  chunks: { option: 'max-header-chunks', unit: 'source header blocks walked (PNG chunks, JPEG segments, PSD resources, Photoshop path records, GIF blocks, WebP chunks, AVIF boxes)' },
  header: { option: 'max-header-bytes', unit: 'bytes of source headers read (TIFF directories and their values)' },
  work: { option: 'max-request-work', unit: 'pixel operations of worker work, as the planner estimates them' },
  paths: { option: 'max-path-segments', unit: 'clip path segments (explicit and embedded), each filled as at most 32 edges' },
} as const;

export type Meter = keyof typeof METERS;
export type AccountLimits = Readonly<Record<Meter, number>>;

/** A refused charge: a 403 that names the limit, and `/metrics` counts refusals by it. */
export const overLimit = (meter: Meter, limit: number): IsError => refusal(METERS[meter].option, limit, METERS[meter].unit);

/** An embedded profile that would inflate past its own cap (not a meter: each profile has the same one). */
export const overProfileLimit = (limit: number): IsError => refusal('max-profile-inflate', limit, 'bytes inflated from one embedded profile');

function refusal(option: string, limit: number, unit: string): IsError {
  const message = `The request would pass its limit of ${limit} ${unit} (${option})`;
  return new IsError(403, message, undefined, false, message, option);
}

/** What inflating one embedded profile may take: the request's account and the cap of one profile, in bytes. */
export interface InflateBudget {
  account: Account;
  maxProfileBytes: number;
}

/** The worker's share of a request's inflate budget, as it travels with a job (a plain object). */
export interface InflateShare {
  inflated: number;
  maxProfileBytes: number;
}

export const shareOf = (budget: InflateBudget): InflateShare => ({ inflated: budget.account.remaining.inflated, maxProfileBytes: budget.maxProfileBytes });

/** The worker's own account for its share: only `inflated` is left to charge there. */
export const budgetOf = (share: InflateShare): InflateBudget => ({ account: new Account({ ...UNLIMITED, inflated: share.inflated }), maxProfileBytes: share.maxProfileBytes });

export class Account {
  private readonly spent: Record<Meter, number> = { query: 0, glyphs: 0, points: 0, inflated: 0, fetched: 0, read: 0, pixels: 0, chunks: 0, header: 0, work: 0, paths: 0 };

  constructor(readonly limits: AccountLimits) {}

  /** Charges `amount` before the work it stands for; past the limit nothing is charged and the request ends. */
  charge(meter: Meter, amount: number): void {
    const total = this.spent[meter] + amount;
    if (!(total <= this.limits[meter])) throw overLimit(meter, this.limits[meter]);
    this.spent[meter] = total;
  }

  /** What has been charged so far (for tests and the request log). */
  get charged(): Readonly<Record<Meter, number>> {
    return this.spent;
  }

  /** What is left of each limit: the budget of a worker's share of the request. */
  get remaining(): AccountLimits {
    const left = {} as Record<Meter, number>;
    for (const meter of Object.keys(METERS) as Meter[]) left[meter] = this.limits[meter] - this.spent[meter];
    return left;
  }
}

/** An account without limits, for work that no client asked for (the CLI's own checks, tests of pure code). */
const UNLIMITED: AccountLimits = { query: Infinity, glyphs: Infinity, points: Infinity, inflated: Infinity, fetched: Infinity, read: Infinity, pixels: Infinity, chunks: Infinity, header: Infinity, work: Infinity, paths: Infinity };
export const unlimited = (): Account => new Account(UNLIMITED);
