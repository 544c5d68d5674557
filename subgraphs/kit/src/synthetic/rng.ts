/**
 * Deterministic randomness keyed by (seed, index, topic): any subgraph can regenerate
 * exactly the facts about person #i without generating persons 0..i-1, which keeps one
 * FİN consistent everywhere and lets each subgraph seed its own schema independently.
 */
export class Rng {
  private state: number;

  constructor(...keys: ReadonlyArray<number | string>) {
    // FNV-1a over the keys, then mulberry32 steps.
    let h = 0x811c9dc5;
    for (const key of keys) {
      const s = String(key);
      for (let i = 0; i < s.length; i++) {
        h ^= s.charCodeAt(i);
        h = Math.imul(h, 0x01000193);
      }
      h ^= 0x2f;
      h = Math.imul(h, 0x01000193);
    }
    this.state = h >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max], both ends included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  digits(count: number): string {
    let s = '';
    for (let i = 0; i < count; i++) s += String(this.int(0, 9));
    return s;
  }

  letters(count: number, alphabet = 'ABCDEFGHJKLMNPRSTUVXYZ'): string {
    let s = '';
    for (let i = 0; i < count; i++) s += alphabet[this.int(0, alphabet.length - 1)];
    return s;
  }
}
