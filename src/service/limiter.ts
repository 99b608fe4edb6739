import type { Deadline } from '../protocol/deadline.ts';

/** Counts saves in progress; a save waits for a place until its own deadline. */
export class Limiter {
  private active = 0;
  private readonly sleepers: (() => void)[] = [];

  constructor(private readonly max: number) {}

  async acquire(deadline: Deadline): Promise<() => void> {
    while (this.active >= this.max) {
      deadline.check();
      const left = deadline.remaining();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          const i = this.sleepers.indexOf(wake);
          if (i >= 0) this.sleepers.splice(i, 1);
          resolve();
        }, left);
        const wake = () => {
          clearTimeout(timer);
          resolve();
        };
        this.sleepers.push(wake);
      });
    }
    this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      this.sleepers.shift()?.();
    };
  }

  get inProgress(): number {
    return this.active;
  }

  /** Saves waiting for a place. */
  get waiting(): number {
    return this.sleepers.length;
  }
}
