import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type request from 'supertest';
import { EnvReader, startTracing, tracingConfig, type Tracing } from '@hub/kit';
import { scrapeMetrics, startTestHub, type TestHub } from '../src/hub';
import { CANARY, canary, CANARY_FIN, canaryPeople, refusedCanaryRequests, REFUSED_CANARY_STATUSES, servedCanaryQuery } from '../src/canaries';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '@hub/kit/testing';

/**
 * OpenTelemetry traces across the hub: the gateway (in this process) and the subgraphs (each
 * its own process, as deployed) configured by OTEL_* variables only, exporting to a collector
 * in this process. One trace runs from the gateway through the subgraphs to their statements;
 * nothing a caller typed is in any span; the traces and /metrics count the same requests.
 */
describe('traces', () => {
  let receiver: OtlpReceiver;
  let tracing: Tracing | null;
  let hub: TestHub;
  let officer: string;
  let mod: string;
  let realFin: string;
  const seen = new Set<string>();
  const remember = (res: request.Response): request.Response => {
    const reg = res.headers['x-registration-number'];
    assert.ok(reg, `registration number on ${res.status}`);
    seen.add(reg);
    return res;
  };
  let treeNumber: string;
  const counted: string[] = [];
  let countedInMetrics = 0;
  // A trace the caller claims to continue, and baggage it sends: neither may be taken up.
  const callerTraceId = randomBytes(16).toString('hex');
  const callerSpanId = randomBytes(8).toString('hex');

  before(async () => {
    receiver = await startOtlpReceiver();
    const env = { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.endpoint, OTEL_TRACES_SAMPLER: 'parentbased_always_on' };
    tracing = await startTracing(tracingConfig(new EnvReader(env), 'hub-gateway'), { instrumentPostgres: false });
    // Nine processes on a shared server: two connections each are plenty for these few requests.
    hub = await startTestHub({ processes: true, subgraphEnv: { ...env, DATABASE_POOL_SIZE: '2' } });
    ({ realFin } = canaryPeople(hub));
    officer = await hub.token({ agency: 'MIA', roles: ['officer'], sub: canary('sub') });
    mod = await hub.token({ agency: 'MOD', roles: ['officer'] });
  });
  after(async () => {
    await tracing?.stop();
    await receiver.close();
  });

  it('answers a query reaching two subgraphs', async () => {
    const res = remember(
      await hub.query('query($fin: ID!) { person(fin: $fin) { fin citizen { firstName } } restrictionCheck(fin: $fin) { hit } }', { fin: realFin }),
    );
    assert.equal(res.status, 200);
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    treeNumber = String(res.headers['x-registration-number']);
    assert.deepEqual((await hub.subgraphsCalled(treeNumber)).sort(), ['citizens', 'restriction_list']);
  });

  it('serves and refuses requests carrying canaries in every place a caller controls', async () => {
    const callers = { officer, mod, realFin, seen: remember };
    await servedCanaryQuery(hub, callers, {
      'x-case-number': canary('case'),
      'x-canary': canary('header'),
      'user-agent': canary('agent'),
      traceparent: `00-${callerTraceId}-${callerSpanId}-01`,
      tracestate: `hub=${canary('state')}`,
      baggage: `note=${canary('baggage')}`,
    });
    assert.deepEqual(await refusedCanaryRequests(hub, callers), REFUSED_CANARY_STATUSES);
  });

  it('counts requests in /metrics as it traces them', async () => {
    const before = (await scrapeMetrics(hub.gateway)).value('hub_requests_total');
    for (let i = 0; i < 5; i += 1) {
      const res = remember(await hub.query('query($fin: ID!) { person(fin: $fin) { fin } }', { fin: realFin }));
      counted.push(String(res.headers['x-registration-number']));
    }
    countedInMetrics = (await scrapeMetrics(hub.gateway)).value('hub_requests_total') - before;
    assert.equal(countedInMetrics, 5);
  });

  it('exports every span once the processes stop', async () => {
    // A subgraph exports what is left when it stops (SIGTERM); the gateway here, on flush.
    await hub.stop();
    await tracing?.flush();
    const services = new Set(receiver.spans.map((s) => s.service));
    for (const service of ['hub-gateway', 'hub-citizens', 'hub-restriction-list']) assert.ok(services.has(service), `spans of ${service}`);
  });

  it('makes one trace of a request: the gateway, its stage groups, the plan, two subgraph calls, their execution, journal and statements', () => {
    const root = one(receiver.spans.filter((s) => s.name === 'hub.request' && s.attributes['hub.registration_number'] === treeNumber));
    assert.equal(root.parentSpanId, null);
    assert.equal(root.service, 'hub-gateway');
    assert.deepEqual(
      { agency: root.attributes['hub.agency'], decision: root.attributes['hub.decision'], status: root.attributes['http.response.status_code'] },
      { agency: 'MIA', decision: 'allowed', status: 200 },
    );
    assert.deepEqual(new Set(root.attributes['hub.resource'] as string[]), new Set(['citizens', 'restrictionList']));
    const trace = receiver.spans.filter((s) => s.traceId === root.traceId);
    const byId = new Map(trace.map((s) => [s.spanId, s]));
    const parentOf = (span: ReceivedSpan) => (span.parentSpanId ? byId.get(span.parentSpanId) : undefined);
    const children = (parent: ReceivedSpan, name: string) => trace.filter((s) => s.parentSpanId === parent.spanId && s.name === name);

    for (const group of ['hub.stages.checks', 'hub.execute', 'hub.stages.result']) {
      assert.equal(children(root, group).length, 1, group);
    }
    const execute = one(children(root, 'hub.execute'));
    assert.equal(children(execute, 'hub.plan').length, 1);
    const calls = children(execute, 'hub.subgraph');
    assert.deepEqual(calls.map((c) => c.attributes['hub.subgraph']).sort(), ['citizens', 'restriction-list']);

    for (const call of calls) {
      const subgraph = String(call.attributes['hub.subgraph']);
      const served = one(trace.filter((s) => s.name === 'subgraph.request' && s.parentSpanId === call.spanId));
      assert.equal(served.service, `hub-${subgraph}`);
      assert.equal(served.attributes['hub.registration_number'], treeNumber);
      assert.equal(served.attributes['hub.agency'], 'MIA');
      const execution = one(children(served, 'subgraph.execute'));
      assert.equal(children(served, 'subgraph.journal').length, 1);
      const statements = trace.filter((s) => s.scope === '@opentelemetry/instrumentation-pg' && parentOf(s) === execution);
      assert.ok(statements.length >= 1, `${subgraph}: its statements join the trace`);
      for (const statement of statements) assert.equal(statement.service, `hub-${subgraph}`);
    }
    // Nothing of the trace is orphaned: every parent named is in it.
    for (const span of trace) if (span !== root) assert.ok(parentOf(span), `${span.service} ${span.name} has its parent in the trace`);
  });

  it('records no caller words, no FİN, no token, no SQL value and no trace of the caller in any span', () => {
    assert.ok(receiver.spans.length > 0);
    const secrets: Array<[string, string]> = [
      ['the canary FİN', CANARY_FIN],
      ['the searched FİN', realFin],
      ['an officer token', officer],
      ['a token', mod],
      ["the caller's trace id", callerTraceId],
      ["the caller's span id", callerSpanId],
    ];
    for (const span of receiver.spans) {
      assert.ok(!span.raw.toLowerCase().includes(CANARY), `${span.service} ${span.name} holds a canary: ${span.raw}`);
      for (const [name, value] of secrets) assert.ok(!span.raw.includes(value), `${span.service} ${span.name} holds ${name}: ${span.raw}`);
    }
    // Apollo's own spans (named after the operation, with exception messages) are never made.
    assert.deepEqual(new Set(receiver.spans.map((s) => s.scope)), new Set(['hub', '@opentelemetry/instrumentation-pg']));
    // Statements are described by their text with placeholders; never the values bound to them.
    const statements = receiver.spans.filter((s) => s.scope === '@opentelemetry/instrumentation-pg');
    assert.ok(statements.some((s) => String(s.attributes['db.query.text'] ?? s.attributes['db.statement']).includes('$1')));
    assert.ok(statements.every((s) => s.attributes['db.postgresql.values'] === undefined));
  });

  it('traces each request the metrics counted, once', () => {
    const requests = receiver.spans.filter((s) => s.name === 'hub.request');
    assert.equal(requests.length, seen.size, 'one request span per answered request');
    assert.deepEqual(new Set(requests.map((s) => s.attributes['hub.registration_number'])), seen);
    const traced = requests.filter((s) => counted.includes(String(s.attributes['hub.registration_number'])));
    assert.equal(traced.length, countedInMetrics);
  });
});

function one<T>(items: T[]): T {
  assert.equal(items.length, 1, `expected one, found ${items.length}`);
  return items[0]!;
}
