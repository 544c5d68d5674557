import Redis from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Identity } from '../identity/verifier';
import type { QuotaPolicy } from './limits';
import { Refusal } from '../pipeline/refusal';

/**
 * Quotas per agency and per caller (R7: no overloading the network, no copying through many
 * small queries), with rate-limiter-flexible. With REDIS_URL the counters are shared by every
 * gateway replica; without it they live in this process. A caller walking through keys —
 * many searches that find nothing — is slowed, then refused.
 */
export interface Quotas {
  /** Before anything else is done for a request from this address: refused while it is over its unauthenticated quota. */
  admitAddress(address: string): Promise<void>;
  /** A request from this address failed authentication. */
  penalizeAddress(address: string): Promise<void>;
  /** Before a request: refuses with RATE_LIMITED (and Retry-After) when over a quota. */
  admit(identity: Identity): Promise<void>;
  /** After a request: counts the records it returned and whether a search missed. */
  settle(identity: Identity, records: number, searched: boolean): Promise<void>;
  /** Where the counters are now: shared by every replica in Redis, or this replica's own. */
  counting(): QuotaCounting;
  close(): Promise<void>;
}

export type QuotaCounting = 'shared' | 'local' | 'local (Redis unreachable)';

const retryAfterSeconds = (res: RateLimiterRes) => Math.max(1, Math.ceil(res.msBeforeNext / 1000));

const rateLimited = (what: string, res: RateLimiterRes) => {
  const seconds = retryAfterSeconds(res);
  return new Refusal('RATE_LIMITED', `${what} Try again in ${seconds} s.`, 429, { retryAfterSeconds: seconds }, { 'retry-after': String(seconds) });
};

export class RateLimitedQuotas implements Quotas {
  private readonly perAgency: RateLimiterAbstract;
  private readonly perSub: RateLimiterAbstract;
  private readonly recordsPerDay: RateLimiterAbstract;
  private readonly misses: RateLimiterAbstract;
  private readonly unauthenticated: RateLimiterAbstract;
  private readonly connected: Promise<void>;

  constructor(
    private readonly policy: QuotaPolicy,
    private readonly redis: Redis | null,
    prefix = 'hub',
    onCountingChange: (counting: QuotaCounting) => void = () => undefined,
  ) {
    this.connected = redis ? firstConnection(redis) : Promise.resolve();
    if (redis) {
      // An outage is told once per change of state, not per request; connecting at start is no change.
      let last: QuotaCounting = 'shared';
      const changed = () => {
        const now = this.counting();
        if (now !== last) onCountingChange((last = now));
      };
      for (const event of ['ready', 'end', 'error', 'close'] as const) redis.on(event, changed);
    }
    const make = (keyPrefix: string, points: number, duration: number): RateLimiterAbstract => {
      const memory = new RateLimiterMemory({ keyPrefix, points, duration });
      // If Redis goes away, each replica keeps limiting on its own rather than not at all.
      return redis ? new RateLimiterRedis({ storeClient: redis, keyPrefix: `${prefix}:${keyPrefix}`, points, duration, insuranceLimiter: memory }) : memory;
    };
    this.perAgency = make('rpm-agency', policy.requestsPerMinutePerAgency, 60);
    this.perSub = make('rpm-sub', policy.requestsPerMinutePerSub, 60);
    this.recordsPerDay = make('records-day', policy.recordsPerDayPerAgency, 86_400);
    this.misses = make('misses', policy.enumeration.missesBeforeRefusal, policy.enumeration.windowSeconds);
    this.unauthenticated = make('unauthenticated-address', policy.unauthenticatedPerMinutePerAddress, 60);
  }

  counting(): QuotaCounting {
    if (!this.redis) return 'local';
    return this.redis.status === 'ready' ? 'shared' : 'local (Redis unreachable)';
  }

  async admitAddress(address: string): Promise<void> {
    await this.connected;
    const used = await this.unauthenticated.get(address);
    if (used && used.remainingPoints <= 0) throw this.addressRefusal(used);
  }

  /** A flood is refused thousands of times a second: one refusal per Retry-After value, built once (an Error's stack is not free). */
  private readonly addressRefusals = new Map<number, Refusal>();

  private addressRefusal(used: RateLimiterRes): Refusal {
    const seconds = retryAfterSeconds(used);
    let refusal = this.addressRefusals.get(seconds);
    if (!refusal) this.addressRefusals.set(seconds, (refusal = rateLimited('Too many requests without valid credentials from this address.', used)));
    return refusal;
  }

  async penalizeAddress(address: string): Promise<void> {
    await this.unauthenticated.penalty(address, 1);
  }

  async admit(identity: Identity): Promise<void> {
    await this.connected;
    const records = await this.recordsPerDay.get(identity.agency);
    if (records && records.remainingPoints <= 0)
      throw rateLimited(`The agency ${identity.agency} has received its ${this.policy.recordsPerDayPerAgency} records for today.`, records);
    const misses = await this.misses.get(`${identity.agency}:${identity.sub}`);
    if (misses && misses.remainingPoints <= 0) throw rateLimited('Too many searches found nothing: walking through keys is not allowed (R7).', misses);
    await consume(this.perAgency, identity.agency, `The agency ${identity.agency} is over ${this.policy.requestsPerMinutePerAgency} requests per minute.`);
    await consume(this.perSub, `${identity.agency}:${identity.sub}`, `You are over ${this.policy.requestsPerMinutePerSub} requests per minute.`);
    if (misses && misses.consumedPoints >= this.policy.enumeration.missesBeforeSlowdown) {
      await new Promise((resolve) => setTimeout(resolve, this.policy.enumeration.slowdownMs));
    }
  }

  async settle(identity: Identity, records: number, searched: boolean): Promise<void> {
    if (records > 0) await this.recordsPerDay.penalty(identity.agency, records);
    if (searched && records === 0) await this.misses.penalty(`${identity.agency}:${identity.sub}`, 1);
  }

  async close(): Promise<void> {
    this.redis?.disconnect();
  }
}

/** How long the first requests wait for Redis before counting in memory. */
const CONNECT_WAIT_MS = 2_000;

/**
 * Settles once Redis is ready, unreachable, or slow to answer. Commands are not queued while
 * disconnected (so a Redis outage costs no latency), which would otherwise send the first
 * requests of a fresh replica to the in-memory counters while the connection is being made.
 */
function firstConnection(redis: Redis): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      for (const event of ['ready', 'error', 'end'] as const) redis.off(event, done);
      resolve();
    };
    const timer = setTimeout(done, CONNECT_WAIT_MS);
    // Never what keeps a stopping process alive.
    timer.unref();
    for (const event of ['ready', 'error', 'end'] as const) redis.once(event, done);
  });
}

async function consume(limiter: RateLimiterAbstract, key: string, message: string): Promise<void> {
  try {
    await limiter.consume(key, 1);
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) throw rateLimited(message, rejection);
    throw rejection;
  }
}

export function quotasFromEnv(
  policy: QuotaPolicy,
  redisUrl: string | undefined,
  prefix?: string,
  onCountingChange?: (counting: QuotaCounting) => void,
): Quotas {
  const redis = redisUrl ? new Redis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false }) : null;
  redis?.on('error', () => undefined);
  return new RateLimitedQuotas(policy, redis, prefix, onCountingChange);
}
