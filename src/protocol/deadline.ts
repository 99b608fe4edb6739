import type { IsError } from './errors.ts';

/**
 * The one shape a time limit travels in: when it ends and the error a request fails with then
 * (503 for a reply, 403 for a save), made only if it does end (an error's stack costs).
 */
export class Deadline {
  private made?: IsError;

  constructor(
    readonly at: number,
    private readonly make: () => IsError,
  ) {}

  static after(ms: number, error: () => IsError): Deadline {
    return new Deadline(Date.now() + ms, error);
  }

  get error(): IsError {
    return (this.made ??= this.make());
  }

  /** Milliseconds left, at least 1 (timers need a positive delay). */
  remaining(): number {
    return Math.max(1, this.at - Date.now());
  }

  passed(): boolean {
    return Date.now() >= this.at;
  }

  check(): void {
    if (this.passed()) throw this.error;
  }
}
