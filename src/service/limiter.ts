import type { Deadline } from '../protocol/deadline.ts';

/** Counts saves in progress; a save waits for a place until its own deadline. */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly max: number) {}

  async acquire(deadline: Deadline): Promise<() => void> {
    while (this.active >= this.max) {
      deadline.check();
      const left = deadline.remaining();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          const i = this.waiting.indexOf(wake);
          if (i >= 0) this.waiting.splice(i, 1);
          resolve();
        }, left);
        const wake = () => {
          clearTimeout(timer);
          resolve();
        };
        this.waiting.push(wake);
      });
    }
    this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      this.waiting.shift()?.();
    };
  }

  get inProgress(): number {
    return this.active;
  }
}
