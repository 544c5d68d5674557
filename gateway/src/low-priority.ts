/**
 * Work that must not hold the event loop while admitted requests wait for it: waiters go on
 * at most `perTurn` at a time, one slice per turn of the loop (setImmediate), so the I/O of
 * other requests (a subgraph's answer, a journal commit) is served between two slices.
 */
export class LowPriority {
  private readonly waiting: Array<() => void> = [];
  private scheduled = false;

  constructor(private readonly perTurn: number) {}

  turn(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.release());
  }

  private release(): void {
    this.scheduled = false;
    for (const resolve of this.waiting.splice(0, this.perTurn)) resolve();
    if (this.waiting.length > 0) this.schedule();
  }
}
