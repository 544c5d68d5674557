import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import request from 'supertest';
import { loadLimitsPolicy, quotasFromEnv, type QuotaPolicy, type RunningGateway } from '@hub/gateway';
import { demoPeople, finForCitizen } from '@hub/kit/synthetic';
import { POLICIES_DIR, startTestHub, type TestHub, startGatewayOver } from '../src/hub';

const POLICY = loadLimitsPolicy(POLICIES_DIR).quotas;
const REDIS_URL = 'redis://127.0.0.1:6379';
const LOOKUP = 'query($fin: ID!) { person(fin: $fin) { fin } }';

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: {
    data?: { person: { fin: string } | null } | null;
    errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
    extensions?: { registrationNumber: string };
  };
}

interface Caller {
  agency: string;
  sub: string;
}

describe('quotas per agency and caller (R7)', () => {
  let hub: TestHub;
  let db: Client;
  /** A person every agency here may look up: each lookup returns one record. */
  let known: string;
  const gateways: RunningGateway[] = [];
  const tokens = new Map<string, string>();

  before(async () => {
    hub = await startTestHub();
    db = new Client({ connectionString: hub.database.url });
    await db.connect();
    known = demoPeople(hub.population).find((p) => p.case === 'citizen-full')!.fin;
  });
  after(async () => {
    for (const gateway of gateways) await gateway.stop();
    await db.end();
    await hub.stop();
  });

  /** One more gateway over the hub's subgraphs with quotas of its own: in memory, or in Redis under a prefix. */
  async function gatewayWith(change: Partial<QuotaPolicy>, redis?: { url: string; prefix: string }): Promise<RunningGateway> {
    const gateway = await startGatewayOver(hub, { quotas: quotasFromEnv({ ...POLICY, ...change }, redis?.url, redis?.prefix) });
    gateways.push(gateway);
    // As an operator would, wait until /ready says the counters are shared before sending traffic.
    if (redis)
      for (let tries = 0; (await request(gateway.server).get('/ready')).body.quotas !== 'shared'; tries += 1) assert.ok(tries < 200, 'Redis connected');
    return gateway;
  }

  async function lookup(gateway: RunningGateway, caller: Caller, fin = known): Promise<Reply> {
    const key = `${caller.agency}/${caller.sub}`;
    if (!tokens.has(key)) tokens.set(key, await hub.token({ agency: caller.agency, roles: ['officer'], sub: caller.sub }));
    const res = await request(gateway.server)
      .post('/graphql')
      .set('content-type', 'application/json')
      .set('authorization', `Bearer ${tokens.get(key)!}`)
      .set('x-purpose', 'identity-check')
      .send({ query: LOOKUP, variables: { fin } });
    return { status: res.status, headers: res.headers as Record<string, string>, body: res.body as Reply['body'] };
  }

  function assertServed(reply: Reply, fin: string | null, what: string): void {
    assert.equal(reply.status, 200, `${what}: ${JSON.stringify(reply.body.errors)}`);
    assert.equal(reply.body.errors, undefined, what);
    assert.deepEqual(reply.body.data, { person: fin === null ? null : { fin } }, what);
  }

  async function journalOf(registrationNumber: string) {
    const { rows } = await db.query<{ decision: string; reason: string | null; attempt_to_exceed_authority: boolean; records: number; duration_ms: number }>(
      'SELECT decision, reason, attempt_to_exceed_authority, records, duration_ms FROM audit.journal WHERE registration_number = $1',
      [registrationNumber],
    );
    assert.equal(rows.length, 1, `one journal record for ${registrationNumber}`);
    return rows[0]!;
  }

  /** RATE_LIMITED with a Retry-After within the quota's window, before any subgraph, journaled as an attempt. */
  async function assertRateLimited(reply: Reply, windowSeconds: number, what: string): Promise<void> {
    assert.equal(reply.status, 429, what);
    assert.equal(reply.body.data, undefined, what);
    assert.deepEqual(
      reply.body.errors?.map((e) => e.extensions?.['code']),
      ['RATE_LIMITED'],
      what,
    );
    const retryAfter = reply.body.errors![0]!.extensions!['retryAfterSeconds'];
    assert.ok(
      Number.isInteger(retryAfter) && (retryAfter as number) >= 1 && (retryAfter as number) <= windowSeconds,
      `${what}: retryAfterSeconds ${String(retryAfter)}`,
    );
    assert.equal(reply.headers['retry-after'], String(retryAfter), what);
    const registrationNumber = reply.body.extensions!.registrationNumber;
    assert.deepEqual(await hub.subgraphsCalled(registrationNumber), [], `${what}: no subgraph is called`);
    const journal = await journalOf(registrationNumber);
    assert.deepEqual([journal.decision, journal.reason, journal.attempt_to_exceed_authority], ['refused', 'RATE_LIMITED', true], what);
  }

  it('requests per minute per caller: the quota is served, the next request is RATE_LIMITED, another caller of the agency is not', async () => {
    const quota = 3;
    const gateway = await gatewayWith({ requestsPerMinutePerSub: quota });
    const caller = { agency: 'MIA', sub: 'per-sub-1' };
    for (let i = 0; i < quota; i++) assertServed(await lookup(gateway, caller), known, `request ${i + 1}`);
    await assertRateLimited(await lookup(gateway, caller), 60, 'one request over the quota');
    assertServed(await lookup(gateway, { agency: 'MIA', sub: 'per-sub-2' }), known, 'another caller of MIA');
  });

  it("requests per minute per agency: shared by the agency's callers, and no other agency's", async () => {
    const quota = 4;
    const gateway = await gatewayWith({ requestsPerMinutePerAgency: quota });
    for (let i = 0; i < quota; i++) assertServed(await lookup(gateway, { agency: 'MIA', sub: `per-agency-${i % 2}` }), known, `request ${i + 1}`);
    await assertRateLimited(await lookup(gateway, { agency: 'MIA', sub: 'per-agency-new' }), 60, 'a fresh caller of the same agency');
    assertServed(await lookup(gateway, { agency: 'SBS', sub: 'per-agency-0' }), known, 'another agency');
  });

  it('records per day per agency: once the agency has received its records, its next request is RATE_LIMITED', async () => {
    const quota = 3;
    const gateway = await gatewayWith({ recordsPerDayPerAgency: quota });
    // Each lookup of a known person returns one record (the person).
    for (let i = 0; i < quota; i++) {
      const reply = await lookup(gateway, { agency: 'MIA', sub: `records-${i}` });
      assertServed(reply, known, `lookup ${i + 1}`);
      assert.equal((await journalOf(reply.body.extensions!.registrationNumber)).records, 1);
    }
    await assertRateLimited(await lookup(gateway, { agency: 'MIA', sub: 'records-new' }), 86_400, 'the agency after its records');
    assertServed(await lookup(gateway, { agency: 'SBS', sub: 'records-0' }), known, 'another agency');
  });

  it('a caller walking through FİNs that find nobody is slowed, then refused; another caller of the agency is not', async () => {
    const enumeration = { windowSeconds: 600, missesBeforeSlowdown: 3, missesBeforeRefusal: 6, slowdownMs: 200 };
    const gateway = await gatewayWith({ enumeration });
    const walker = { agency: 'MIA', sub: 'walker' };
    // Well-formed FİNs the generator gives nobody in this population, as a key walk would try them.
    const unknown = (i: number) => finForCitizen(hub.population.seed, hub.population.citizens + i);

    for (let i = 0; i < enumeration.missesBeforeRefusal; i++) {
      const reply = await lookup(gateway, walker, unknown(i));
      assertServed(reply, null, `miss ${i + 1}`);
      if (i >= enumeration.missesBeforeSlowdown) {
        const { duration_ms } = await journalOf(reply.body.extensions!.registrationNumber);
        assert.ok(duration_ms >= enumeration.slowdownMs * 0.9, `miss ${i + 1} is slowed: ${duration_ms} ms`);
      }
    }
    await assertRateLimited(await lookup(gateway, walker, unknown(enumeration.missesBeforeRefusal)), enumeration.windowSeconds, 'the next miss');
    await assertRateLimited(await lookup(gateway, walker, known), enumeration.windowSeconds, 'even a lookup that would find someone');

    const colleague = { agency: 'MIA', sub: 'colleague' };
    assertServed(await lookup(gateway, colleague, unknown(0)), null, 'another caller of MIA, missing');
    assertServed(await lookup(gateway, colleague, known), known, 'another caller of MIA, finding');
  });

  it('two gateways sharing the counters through Redis allow, together, exactly the quota', async () => {
    const quota = 5;
    const redis = { url: REDIS_URL, prefix: `e2e-quotas-${randomUUID()}` };
    const pair = [await gatewayWith({ requestsPerMinutePerSub: quota }, redis), await gatewayWith({ requestsPerMinutePerSub: quota }, redis)];
    const caller = { agency: 'MIA', sub: `shared-${randomUUID()}` };
    const sent = 3 * quota;
    const replies = await Promise.all(Array.from({ length: sent }, (_, i) => lookup(pair[i % 2]!, caller)));

    assert.equal(replies.filter((r) => r.status === 200).length, quota);
    const refused = replies.filter((r) => r.status !== 200);
    assert.equal(refused.length, sent - quota);
    for (const reply of refused) await assertRateLimited(reply, 60, 'over the shared quota');
  });
});
