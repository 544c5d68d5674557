import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import type { JournalEntry } from '@hub/audit';
import { PostgresAuditJournal, quotasFromEnv, type AuditJournal } from '@hub/gateway';
import { SUBGRAPHS as CATALOG } from '@hub/kit';
import { citizenAt, demoPeople } from '@hub/kit/synthetic';
import { queryGateway, restartSubgraph, scrapeMetrics, startGatewayOver, startTestHub, type TestHub } from '../src/hub';

/**
 * What operators see (R14): /health, /ready with the state of each dependency, and /metrics in
 * Prometheus format with agency codes, decisions and error codes only — no person, no query.
 */
const SUBGRAPHS: string[] = CATALOG.map((s) => s.name);

/** The real journal, with a switch that makes it unwritable the way an unreachable database does. */
class SwitchableJournal implements AuditJournal {
  down = false;

  constructor(private readonly inner: AuditJournal) {}

  append(entry: JournalEntry): Promise<void> {
    return this.down ? Promise.reject(new Error('connection refused')) : this.inner.append(entry);
  }

  drain(): Promise<void> {
    return this.inner.drain();
  }
  queueDepth(): number {
    return this.inner.queueDepth();
  }
  close(): Promise<void> {
    return this.inner.close();
  }

  async ping(): Promise<boolean> {
    return !this.down && this.inner.ping();
  }
}

describe('health, readiness and metrics', () => {
  let hub: TestHub;
  let journal: SwitchableJournal;
  let fin: string;

  before(async () => {
    hub = await startTestHub({ journal: (url) => (journal = new SwitchableJournal(PostgresAuditJournal.connect(url))) });
    fin = demoPeople(hub.population).find((p) => p.case === 'citizen-full')!.fin;
  });
  after(async () => {
    await hub.stop();
  });

  it('answers /health on the gateway and on every subgraph', async () => {
    const gateway = await request(hub.gateway.server).get('/health');
    assert.equal(gateway.status, 200);
    assert.deepEqual(gateway.body, { status: 'ok' });
    for (const name of SUBGRAPHS) {
      const res = await request(hub.subgraphs.get(name)!.url.replace('/graphql', '')).get('/health');
      assert.deepEqual([res.status, res.body], [200, { status: 'ok', subgraph: name }], name);
    }
  });

  it('is ready when every subgraph and its database answer and the journal is writable, with the state of each', async () => {
    const res = await request(hub.gateway.server).get('/ready');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, {
      status: 'ready',
      auditJournal: 'writable',
      subgraphs: Object.fromEntries(SUBGRAPHS.map((n) => [n, 'ready'])),
      quotas: 'local',
    });
    for (const name of SUBGRAPHS) {
      const sub = await request(hub.subgraphs.get(name)!.url.replace('/graphql', '')).get('/ready');
      assert.deepEqual([sub.status, sub.body], [200, { status: 'ready', subgraph: name, database: 'ok' }], name);
    }
  });

  it('is not ready, naming the journal, while the journal cannot be written; ready again after', async () => {
    journal.down = true;
    try {
      const res = await request(hub.gateway.server).get('/ready');
      assert.equal(res.status, 503);
      assert.deepEqual(res.body, {
        status: 'not ready',
        auditJournal: 'unreachable',
        subgraphs: Object.fromEntries(SUBGRAPHS.map((n) => [n, 'ready'])),
        quotas: 'local',
      });
    } finally {
      journal.down = false;
    }
    assert.equal((await request(hub.gateway.server).get('/ready')).status, 200);
  });

  it('is not ready, naming the subgraph, while one is stopped; ready again once it is back', async () => {
    await hub.subgraphs.get('appeals')!.stop();
    try {
      const res = await request(hub.gateway.server).get('/ready');
      assert.equal(res.status, 503);
      assert.deepEqual(res.body, {
        status: 'not ready',
        auditJournal: 'writable',
        subgraphs: Object.fromEntries(SUBGRAPHS.map((n) => [n, n === 'appeals' ? 'unreachable' : 'ready'])),
        quotas: 'local',
      });
    } finally {
      await restartSubgraph(hub, 'appeals');
    }
    assert.equal((await request(hub.gateway.server).get('/ready')).status, 200);
  });

  it('counts requests by agency, operation type, decision and error code, with latencies and journal writes, and no personal data or query text', async () => {
    const before = await scrapeMetrics(hub.gateway);
    const mia = await hub.token({ agency: 'MIA', roles: ['officer'], sub: 'mia-officer-42' });
    const mod = await hub.token({ agency: 'MOD', roles: ['officer'], sub: 'mod-officer-7' });
    const allowed = await hub.query('query PersonCheckOp($fin: ID!) { person(fin: $fin) { citizen { lastName } } }', { fin }, { token: mia });
    assert.equal(allowed.status, 200);
    const partly = await hub.query('query($fin: ID!) { person(fin: $fin) { citizen { firstName } borderCrossings { direction } } }', { fin }, { token: mod });
    assert.equal(partly.body.errors[0].extensions.code, 'FORBIDDEN');
    assert.equal((await hub.query('{ person(fin: "0000000") { fin } }', undefined, { token: null })).status, 401);
    assert.equal((await hub.query('mutation { person(fin: "0000000") { fin } }', undefined, { token: mia })).status, 403);
    journal.down = true;
    try {
      assert.equal((await hub.query('query($fin: ID!) { person(fin: $fin) { citizen { lastName } } }', { fin }, { token: mia })).status, 503);
    } finally {
      journal.down = false;
    }
    const signIn = await request(hub.gateway.server)
      .post('/session/sign-in')
      .set('authorization', `Bearer ${await hub.token({ agency: 'SBS', roles: ['officer'] })}`);
    assert.equal(signIn.status, 200);

    const after = await scrapeMetrics(hub.gateway);
    const delta = (name: string, labels: Record<string, string> = {}) => after.value(name, labels) - before.value(name, labels);
    const requests = (labels: Record<string, string>) => delta('hub_requests_total', labels);
    assert.equal(requests({ event: 'query', agency: 'MIA', operation_type: 'query', decision: 'allowed', code: 'none' }), 1);
    assert.equal(requests({ event: 'query', agency: 'MOD', operation_type: 'query', decision: 'partly-refused', code: 'FORBIDDEN' }), 1);
    assert.equal(requests({ event: 'query', agency: 'unauthenticated', operation_type: 'none', decision: 'refused', code: 'UNAUTHENTICATED' }), 1);
    assert.equal(requests({ event: 'query', agency: 'MIA', operation_type: 'mutation', decision: 'refused', code: 'READ_ONLY' }), 1);
    assert.equal(requests({ event: 'query', agency: 'MIA', operation_type: 'query', decision: 'refused', code: 'AUDIT_UNAVAILABLE' }), 1);
    assert.equal(requests({ event: 'sign-in', agency: 'SBS', decision: 'allowed', code: 'none' }), 1);
    assert.equal(requests({}), 6);
    assert.equal(delta('hub_response_errors_total', { agency: 'MOD', code: 'FORBIDDEN' }), 1);
    assert.equal(delta('hub_request_duration_seconds_count', { event: 'query' }), 5);
    assert.equal(delta('hub_request_duration_seconds_count', { event: 'sign-in' }), 1);
    // The request refused for the journal was executed first: three calls to citizens.
    assert.equal(delta('hub_subgraph_request_duration_seconds_count', { subgraph: 'citizens', outcome: 'ok' }), 3);
    assert.equal(delta('hub_audit_journal_write_duration_seconds_count', { outcome: 'written' }), 5);
    assert.equal(delta('hub_audit_journal_write_duration_seconds_count', { outcome: 'failed' }), 1);
    assert.match(after.text, /^hub_audit_journal_queue_depth 0$/m);
    assert.match(after.text, /^process_cpu_user_seconds_total /m, 'default process metrics');

    // Labels hold agency codes, decisions, codes and subgraph names, nothing a person or a query could put there.
    const agencies = new Set([...hub.policies.agencies.keys(), 'unauthenticated']);
    for (const line of after.text.split('\n').filter((l) => l.startsWith('hub_'))) {
      for (const [, key, value] of line.matchAll(/([a-z_]+)="([^"]*)"/g)) {
        if (key === 'agency') assert.ok(agencies.has(value!), line);
        if (key === 'code') assert.match(value!, /^(none|[A-Z_]+)$/, line);
        if (key === 'subgraph') assert.ok(SUBGRAPHS.includes(value!), line);
      }
    }
    for (const secret of [fin, citizenAt(hub.population, 0).lastName, 'mia-officer-42', 'mod-officer-7', 'PersonCheckOp', 'person(', mia.slice(-20)]) {
      assert.ok(!after.text.includes(secret), `metrics must not contain ${secret}`);
    }
  });

  it('counts quota refusals by agency', async () => {
    const gateway = await startGatewayOver(hub, { quotas: quotasFromEnv({ ...hub.options.limits.quotas, requestsPerMinutePerSub: 1 }, undefined) });
    try {
      const token = await hub.token({ agency: 'MIA', roles: ['officer'], sub: 'mia-quota-test' });
      const query = 'query($fin: ID!) { person(fin: $fin) { citizen { lastName } } }';
      assert.equal((await queryGateway(gateway, token, query, { fin })).status, 200);
      const refused = await queryGateway(gateway, token, query, { fin });
      assert.equal(refused.status, 429);
      assert.equal(refused.body.errors[0].extensions.code, 'RATE_LIMITED');
      const metrics = await scrapeMetrics(gateway);
      assert.equal(metrics.value('hub_quota_refusals_total', { agency: 'MIA' }), 1);
      assert.equal(metrics.value('hub_requests_total', { agency: 'MIA', decision: 'refused', code: 'RATE_LIMITED' }), 1);
    } finally {
      await gateway.stop();
    }
  });
});
