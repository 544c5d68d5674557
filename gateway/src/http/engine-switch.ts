/**
 * The engine in force and the swap to a new one (docs/decisions/0019, "Reload"): a request takes
 * the engine current at its arrival and keeps it to its end, so a reload never changes the rules
 * under a request already running. An engine replaced is stopped once its last request is done.
 */
export interface Engine {
  stop(): Promise<void>;
}

export class EngineSwitch<E extends Engine> {
  private engine: E;
  private readonly inFlight = new Map<E, number>();
  private readonly retiring = new Set<E>();
  private readonly stops: Array<Promise<void>> = [];

  constructor(first: E) {
    this.engine = first;
  }

  get current(): E {
    return this.engine;
  }

  /** Runs work under the engine in force now; a swap meanwhile does not change it. */
  async run<T>(work: (engine: E) => Promise<T>): Promise<T> {
    const engine = this.engine;
    this.inFlight.set(engine, (this.inFlight.get(engine) ?? 0) + 1);
    try {
      return await work(engine);
    } finally {
      const left = (this.inFlight.get(engine) ?? 1) - 1;
      if (left > 0) this.inFlight.set(engine, left);
      else {
        this.inFlight.delete(engine);
        if (this.retiring.delete(engine)) this.stops.push(engine.stop());
      }
    }
  }

  /** New requests use next; the engine replaced stops when its requests are done. */
  swap(next: E): void {
    const old = this.engine;
    this.engine = next;
    if (this.inFlight.has(old)) this.retiring.add(old);
    else this.stops.push(old.stop());
  }

  /** The engine in force and those replaced whose requests still run. */
  live(): E[] {
    return [this.engine, ...this.retiring];
  }

  /** On the gateway's stop: the engine in force and every one replaced, once their requests are done (the caller waits for those). */
  async stopAll(): Promise<void> {
    const rest = this.live();
    this.retiring.clear();
    await Promise.allSettled([...this.stops, ...rest.map((e) => e.stop())]);
  }
}
