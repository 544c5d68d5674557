import Redis from 'ioredis';

/**
 * Where sign-in keeps its state: sessions, sign-in transactions, the index from a provider's
 * session to ours, and the back-channel logout tokens already used. In Redis when REDIS_URL is
 * set, so every replica sees every session; in this replica's memory otherwise. Values are
 * opaque strings with a time to live; nothing here outlives its TTL.
 */
export interface SignInStore {
  set(key: string, value: string, ttlMs: number): Promise<void>;
  get(key: string): Promise<string | null>;
  /** Reads and deletes in one step: a sign-in transaction is used once, even across replicas. */
  take(key: string): Promise<string | null>;
  /** Replaces a value that is there, in one step, returning it: only one caller, on any replica, has what was there. */
  replace(key: string, value: string, ttlMs: number): Promise<string | null>;
  delete(key: string): Promise<void>;
  /** True for the first caller only: a logout token's jti, remembered until it could no longer be valid. */
  claim(key: string, ttlMs: number): Promise<boolean>;
  /** A set of session ids (the sessions of one provider session or subject), living at least ttlMs. */
  add(key: string, member: string, ttlMs: number): Promise<void>;
  members(key: string): Promise<string[]>;
  /** A schedule (member → time in ms), kept until each member is removed: when sessions end, so a sweep finds those nobody presents again. */
  schedule(key: string, member: string, at: number): Promise<void>;
  unschedule(key: string, member: string): Promise<void>;
  /** Up to `limit` members due at or before `until`. */
  due(key: string, until: number, limit: number): Promise<string[]>;
  close(): Promise<void>;
}

interface Held {
  value: string | Set<string>;
  until: number;
}

/** One replica's store; its clock is injected so expiry is tested without waiting. */
export class MemorySignInStore implements SignInStore {
  private readonly held = new Map<string, Held>();
  private readonly schedules = new Map<string, Map<string, number>>();

  constructor(private readonly now: () => number = Date.now) {}

  private live(key: string): Held | null {
    const held = this.held.get(key);
    if (!held) return null;
    if (held.until > this.now()) return held;
    this.held.delete(key);
    return null;
  }

  /** Expired entries are dropped as they are found and, so memory stays bounded, on each write. */
  private sweep(): void {
    const now = this.now();
    for (const [key, held] of this.held) if (held.until <= now) this.held.delete(key);
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    if (this.held.size > 10_000) this.sweep();
    this.held.set(key, { value, until: this.now() + ttlMs });
  }

  async get(key: string): Promise<string | null> {
    const value = this.live(key)?.value;
    return typeof value === 'string' ? value : null;
  }

  async take(key: string): Promise<string | null> {
    const value = await this.get(key);
    this.held.delete(key);
    return value;
  }

  async replace(key: string, value: string, ttlMs: number): Promise<string | null> {
    const old = await this.get(key);
    if (old !== null) await this.set(key, value, ttlMs);
    return old;
  }

  async delete(key: string): Promise<void> {
    this.held.delete(key);
  }

  async claim(key: string, ttlMs: number): Promise<boolean> {
    if (this.live(key)) return false;
    await this.set(key, '1', ttlMs);
    return true;
  }

  async add(key: string, member: string, ttlMs: number): Promise<void> {
    const held = this.live(key);
    const until = Math.max(held?.until ?? 0, this.now() + ttlMs);
    const members = held && held.value instanceof Set ? held.value : new Set<string>();
    members.add(member);
    this.held.set(key, { value: members, until });
  }

  async members(key: string): Promise<string[]> {
    const value = this.live(key)?.value;
    return value instanceof Set ? [...value] : [];
  }

  async schedule(key: string, member: string, at: number): Promise<void> {
    const schedule = this.schedules.get(key) ?? new Map<string, number>();
    this.schedules.set(key, schedule.set(member, at));
  }

  async unschedule(key: string, member: string): Promise<void> {
    this.schedules.get(key)?.delete(member);
  }

  async due(key: string, until: number, limit: number): Promise<string[]> {
    const due: string[] = [];
    for (const [member, at] of this.schedules.get(key) ?? []) if (at <= until && due.push(member) >= limit) break;
    return due;
  }

  async close(): Promise<void> {
    this.held.clear();
    this.schedules.clear();
  }
}

const PREFIX = 'hub:sign-in:';

/** Shared by the replicas. A Redis outage fails sign-in closed: no session is taken on trust. */
export class RedisSignInStore implements SignInStore {
  private readonly redis: Redis;

  constructor(url: string) {
    this.redis = new Redis(url, { keyPrefix: PREFIX, maxRetriesPerRequest: 1, connectTimeout: 2_000 });
    // Errors reach the callers of each command; the connection retries on its own.
    this.redis.on('error', () => undefined);
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.redis.set(key, value, 'PX', Math.max(1, Math.ceil(ttlMs)));
  }

  get(key: string): Promise<string | null> {
    return this.redis.get(key);
  }

  take(key: string): Promise<string | null> {
    return this.redis.getdel(key);
  }

  replace(key: string, value: string, ttlMs: number): Promise<string | null> {
    return this.redis.set(key, value, 'PX', Math.max(1, Math.ceil(ttlMs)), 'XX', 'GET');
  }

  async delete(key: string): Promise<void> {
    await this.redis.del(key);
  }

  async claim(key: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(key, '1', 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX')) === 'OK';
  }

  async add(key: string, member: string, ttlMs: number): Promise<void> {
    const ttl = Math.max(1, Math.ceil(ttlMs));
    // GT: a later session's longer life extends the index, a shorter one never cuts it.
    await this.redis.multi().sadd(key, member).pexpire(key, ttl, 'GT').pexpire(key, ttl, 'NX').exec();
  }

  members(key: string): Promise<string[]> {
    return this.redis.smembers(key);
  }

  async schedule(key: string, member: string, at: number): Promise<void> {
    await this.redis.zadd(key, at, member);
  }

  async unschedule(key: string, member: string): Promise<void> {
    await this.redis.zrem(key, member);
  }

  due(key: string, until: number, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(key, '-inf', until, 'LIMIT', 0, limit);
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
