import { performance } from 'node:perf_hooks';

export interface LowPriorityOptions {
  /** Waiters that go on in one turn of the event loop. */
  perTurn: number;
  /** While `busy()`, waiters are held, but never longer than this. */
  maxWaitMs: number;
  /** Past this many waiting, a newcomer goes on at once: holding is never what costs memory without bound. */
  maxWaiting: number;
  /** True while the work this yields to is in flight. */
  busy: () => boolean;
}

/**
 * Work that yields to more important work: waiters go on `perTurn` at a time, one slice per
 * turn of the event loop (setImmediate), so the I/O of other requests is served between two
 * slices; and while `busy()` they are held (up to `maxWaitMs`) until `wake()` says it is done.
 */
export class LowPriority {
  private readonly waiting: Array<{ go: () => void; since: number }> = [];
  private scheduled = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly options: LowPriorityOptions) {}

  turn(): Promise<void> {
    if (this.waiting.length >= this.options.maxWaiting) return Promise.resolve();
    return new Promise((go) => {
      this.waiting.push({ go, since: performance.now() });
      this.schedule();
    });
  }

  /** The work yielded to is done: the waiters may go on. */
  wake(): void {
    if (this.waiting.length > 0) this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.release());
  }

  private release(): void {
    this.scheduled = false;
    const oldest = this.waiting[0];
    if (!oldest) return;
    const waited = performance.now() - oldest.since;
    if (this.options.busy() && waited < this.options.maxWaitMs) {
      // Held until wake(), or until the oldest has waited its bound.
      this.timer ??= setTimeout(() => {
        this.timer = null;
        this.schedule();
      }, this.options.maxWaitMs - waited);
      return;
    }
    for (const { go } of this.waiting.splice(0, this.options.perTurn)) go();
    if (this.waiting.length > 0) this.schedule();
  }
}
