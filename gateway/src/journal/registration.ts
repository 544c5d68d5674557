/**
 * Hub registration numbers (R6): unique across gateway replicas and increasing in time.
 * HUB-<UTC time to the millisecond>-<replica>-<counter>: the time orders them, the replica id
 * (drawn from one database sequence at start-up) keeps replicas apart, and the counter keeps
 * numbers within one millisecond apart. A clock that steps back never makes one go back.
 */
export class RegistrationNumbers {
  private lastMs = 0;
  private counter = 0;

  constructor(private readonly replica: string) {
    if (!/^[0-9A-Z]{3}$/.test(replica)) throw new Error(`replica id must be 3 base-36 characters, got ${replica}`);
  }

  static replicaId(n: number): string {
    return n.toString(36).toUpperCase().padStart(3, '0').slice(-3);
  }

  next(): string {
    const now = Date.now();
    if (now > this.lastMs) {
      this.lastMs = now;
      this.counter = 0;
    } else {
      this.counter += 1;
      if (this.counter >= 36 ** 4) {
        this.lastMs += 1;
        this.counter = 0;
      }
    }
    const time = new Date(this.lastMs).toISOString().replace(/[-:TZ.]/g, '');
    return `HUB-${time}-${this.replica}-${this.counter.toString(36).toUpperCase().padStart(4, '0')}`;
  }
}
