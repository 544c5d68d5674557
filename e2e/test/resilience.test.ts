import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import request from 'supertest';
import { citizenAt, citizenDocuments, demoPeople, foreignerAt, vehicleOf } from '@hub/kit/synthetic';
import { queryGateway, restartSubgraph, scrapeMetrics, startGatewayOver, startTestHub, type TestHub } from '../src/hub';

/**
 * R14: a subgraph that is down, slow or erroring costs only its own fields; a circuit breaker
 * stops calling one that keeps failing and tries again after a pause; PostgreSQL going away
 * and coming back needs no restart of anything.
 */

type Mode = 'pass' | 'error' | 'hang';

/**
 * Stands in front of a real subgraph: passes calls through, answers 503 to everything, or
 * takes calls and never answers. Counts the GraphQL calls that reach it.
 */
class FlakySubgraph {
  mode: Mode = 'pass';
  calls = 0;
  private server: Server | null = null;

  constructor(private readonly target: string) {}

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/graphql`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((done) => this.server!.listen(0, '127.0.0.1', done));
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((done) => this.server?.close(() => done()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.url === '/graphql') this.calls += 1;
    if (this.mode === 'hang') return;
    if (this.mode === 'error') {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('upstream failure');
      return;
    }
    const response = await fetch(new URL(req.url ?? '/', this.target), {
      method: req.method ?? 'GET',
      headers: Object.fromEntries(['authorization', 'content-type'].filter((h) => req.headers[h]).map((h) => [h, String(req.headers[h])])),
      ...(req.method === 'POST' ? { body: Buffer.concat(chunks) } : {}),
    });
    res
      .writeHead(response.status, { 'content-type': response.headers.get('content-type') ?? 'application/json' })
      .end(Buffer.from(await response.arrayBuffer()));
  }
}

interface GraphQLError {
  message: string;
  path?: Array<string | number>;
  extensions: { code: string; resource?: string; subgraph?: string };
}

const codes = (res: request.Response) => ((res.body.errors ?? []) as GraphQLError[]).map((e) => e.extensions.code);

async function eventually<T>(what: string, attempt: () => Promise<T | null>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await attempt();
    if (result !== null) return result;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('failure isolation', () => {
  let hub: TestHub;
  let token: string;
  let fin: string;

  before(async () => {
    hub = await startTestHub();
    token = await hub.token({ agency: 'MIA', roles: ['officer'] });
    fin = demoPeople(hub.population).find((p) => p.case === 'citizen-full')!.fin;
  });
  after(async () => {
    await hub.stop();
  });

  it('keeps answering while a subgraph is killed: its fields missing with SUBGRAPH_UNAVAILABLE, the rest intact, then full data once it is back', async () => {
    const gateway = await startGatewayOver(hub, {
      breaker: { errorThresholdPercentage: 50, volumeThreshold: 2, resetTimeoutMs: 300, windowMs: 10_000, consecutiveTimeouts: 3 },
    });
    const citizen = citizenAt(hub.population, 0);
    const expectedBlanks = citizenDocuments(hub.population, 0).map((d) => ({ number: d.number, blank: { series: d.blankSeries, number: d.blankNumber } }));
    const query = 'query($fin: ID!) { person(fin: $fin) { citizen { lastName documents { number blank { series number } } } } }';
    const answers: request.Response[] = [];
    let running = true;
    const run = (async () => {
      while (running) answers.push(await queryGateway(gateway, token, query, { fin }));
    })();
    const answered = (n: number) =>
      eventually(`${n} answers`, async () => {
        await new Promise((r) => setTimeout(r, 20));
        return answers.length >= n ? true : null;
      });
    try {
      await answered(3);
      await hub.subgraphs.get('blanks')!.stop();
      const killedAt = answers.length;
      await eventually('answers without blanks', async () => {
        await new Promise((r) => setTimeout(r, 20));
        return answers.slice(killedAt).filter((a) => codes(a).includes('SUBGRAPH_UNAVAILABLE')).length >= 5 ? true : null;
      });
      await restartSubgraph(hub, 'blanks');
      const restartedAt = answers.length;
      await eventually('full data again', async () => {
        await new Promise((r) => setTimeout(r, 20));
        return answers.slice(restartedAt).some((a) => a.body.errors === undefined) ? true : null;
      });
    } finally {
      running = false;
      await run;
    }

    let partial = 0;
    for (const answer of answers) {
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      const documents = answer.body.data.person.citizen.documents as Array<{ number: string; blank: unknown }>;
      assert.equal(answer.body.data.person.citizen.lastName, citizen.lastName);
      assert.deepEqual(documents.map((d) => d.number).sort(), expectedBlanks.map((d) => d.number).sort());
      if (answer.body.errors === undefined) {
        assert.deepEqual(
          [...documents].sort((a, b) => a.number.localeCompare(b.number)),
          [...expectedBlanks].sort((a, b) => a.number.localeCompare(b.number)),
        );
        continue;
      }
      partial += 1;
      assert.ok(
        documents.every((d) => d.blank === null),
        'only the blanks fields are missing',
      );
      const errors = answer.body.errors as GraphQLError[];
      // One error on each document's blank: the paths the failed subgraph cost.
      assert.deepEqual(
        errors.map((e) => [e.extensions.code, e.extensions.resource, e.path?.join('.')]),
        documents.map((_d, i) => ['SUBGRAPH_UNAVAILABLE', 'blanks', `person.citizen.documents.${i}.blank`]),
      );
      assert.match(errors[0]!.message, /resource "blanks"/);
    }
    assert.ok(partial >= 5);
    assert.equal(answers.at(-1)!.body.errors, undefined, 'the last answers are whole again');
    await gateway.stop();
  });

  // Without the timeout the request would wait for ever; the test's own limit turns that into a failure.
  it('gives up on a subgraph that never answers after the configured timeout, and names it in /ready and /metrics', { timeout: 60_000 }, async () => {
    const silent = new FlakySubgraph(hub.subgraphs.get('border-crossings')!.url);
    await silent.start();
    silent.mode = 'hang';
    const gateway = await startGatewayOver(hub, { subgraphTimeoutMs: 300, urls: { 'border-crossings': silent.url } });
    try {
      const vehicle = vehicleOf(hub.population, 0)!;
      const res = await queryGateway(
        gateway,
        token,
        'query($fin: ID!, $r: String!) { person(fin: $fin) { citizen { lastName } } vehicle(registrationNumber: $r) { make } }',
        { fin, r: vehicle.registrationNumber },
      );
      assert.equal(res.status, 200);
      assert.equal(silent.calls, 1, 'the gateway did call the subgraph');
      assert.equal(res.body.data.person.citizen.lastName, citizenAt(hub.population, 0).lastName);
      assert.equal(res.body.data.vehicle, null);
      assert.deepEqual(
        (res.body.errors as GraphQLError[]).map((e) => e.extensions),
        [{ code: 'SUBGRAPH_UNAVAILABLE', resource: 'borderCrossings', subgraph: 'border-crossings' }],
      );

      const ready = await request(gateway.server).get('/ready');
      assert.equal(ready.status, 503);
      assert.equal(ready.body.status, 'not ready');
      assert.equal(ready.body.auditJournal, 'writable');
      assert.equal(ready.body.subgraphs['border-crossings'], 'unreachable');
      assert.deepEqual(
        Object.entries(ready.body.subgraphs)
          .filter(([, state]) => state !== 'ready')
          .map(([name]) => name),
        ['border-crossings'],
      );

      const metrics = await scrapeMetrics(gateway);
      assert.equal(metrics.value('hub_subgraph_failures_total', { subgraph: 'border-crossings', reason: 'timeout' }), 1);
      assert.equal(metrics.value('hub_requests_total', { agency: 'MIA', code: 'SUBGRAPH_UNAVAILABLE' }), 1);
    } finally {
      await gateway.stop();
      await silent.stop();
    }
  });

  it('opens the circuit of a subgraph that keeps failing, stops calling it, and closes it once a trial call after the pause succeeds', async () => {
    const flaky = new FlakySubgraph(hub.subgraphs.get('foreigners')!.url);
    await flaky.start();
    flaky.mode = 'error';
    const gateway = await startGatewayOver(hub, {
      breaker: { errorThresholdPercentage: 50, volumeThreshold: 2, resetTimeoutMs: 3_000, windowMs: 60_000, consecutiveTimeouts: 3 },
      urls: { foreigners: flaky.url },
    });
    const foreigner = foreignerAt(hub.population, 0);
    const query = 'query($fin: ID!, $sn: String!) { person(fin: $fin) { citizen { lastName } } foreigner(systemNumber: $sn) { lastName } }';
    const ask = () => queryGateway(gateway, token, query, { fin, sn: foreigner.systemNumber });
    try {
      // Two failed calls of two (volume threshold 2, over 50 %) open the circuit.
      const failed = [await ask(), await ask()];
      assert.equal(flaky.calls, 2);
      for (const res of failed) assert.match(res.body.errors[0].message, /did not answer/);
      const metrics = await scrapeMetrics(gateway);
      assert.equal(metrics.value('hub_subgraph_circuit_state', { subgraph: 'foreigners', state: 'open' }), 1);
      assert.equal(metrics.value('hub_subgraph_failures_total', { subgraph: 'foreigners', reason: 'bad_response' }), 2);

      const whileOpen = [await ask(), await ask(), await ask()];
      assert.equal(flaky.calls, 2, 'an open circuit does not call the subgraph');
      for (const res of [...failed, ...whileOpen]) {
        assert.equal(res.status, 200);
        assert.equal(res.body.data.person.citizen.lastName, citizenAt(hub.population, 0).lastName);
        assert.equal(res.body.data.foreigner, null);
        assert.deepEqual(
          (res.body.errors as GraphQLError[]).map((e) => [e.extensions.code, e.extensions.resource]),
          [['SUBGRAPH_UNAVAILABLE', 'foreigners']],
        );
      }
      for (const res of whileOpen) assert.match(res.body.errors[0].message, /not called for a moment/);
      assert.equal((await scrapeMetrics(gateway)).value('hub_subgraph_failures_total', { subgraph: 'foreigners', reason: 'circuit_open' }), 3);
      const ready = await request(gateway.server).get('/ready');
      assert.equal(ready.status, 503);
      assert.equal(ready.body.subgraphs.foreigners, 'not ready');

      flaky.mode = 'pass';
      const whole = await eventually('a trial call after the pause', async () => {
        const res = await ask();
        return res.body.errors === undefined ? res : null;
      });
      assert.equal(flaky.calls, 3, 'one trial call, and it closed the circuit');
      assert.deepEqual(whole.body.data.foreigner, { lastName: foreigner.lastName });
      assert.equal((await scrapeMetrics(gateway)).value('hub_subgraph_circuit_state', { subgraph: 'foreigners', state: 'closed' }), 1);
      assert.equal((await request(gateway.server).get('/ready')).status, 200);
    } finally {
      await gateway.stop();
      await flaky.stop();
    }
  });

  it('opens the circuit of a frozen subgraph after a few timeouts in a row, however small their share of the window', { timeout: 60_000 }, async () => {
    const frozen = new FlakySubgraph(hub.subgraphs.get('foreigners')!.url);
    await frozen.start();
    frozen.mode = 'hang';
    // A volume threshold the test never reaches: only the timeouts in a row can open this circuit.
    const breaker = { errorThresholdPercentage: 50, volumeThreshold: 10_000, resetTimeoutMs: 60_000, windowMs: 60_000, consecutiveTimeouts: 3 };
    const gateway = await startGatewayOver(hub, { subgraphTimeoutMs: 200, breaker, urls: { foreigners: frozen.url } });
    const foreigner = foreignerAt(hub.population, 0);
    const ask = () => queryGateway(gateway, token, 'query($sn: String!) { foreigner(systemNumber: $sn) { lastName } }', { sn: foreigner.systemNumber });
    try {
      const timedOut = [await ask(), await ask(), await ask()];
      assert.equal(frozen.calls, 3);
      for (const res of timedOut) assert.match(res.body.errors[0].message, /did not answer/);
      const metrics = await scrapeMetrics(gateway);
      assert.equal(metrics.value('hub_subgraph_failures_total', { subgraph: 'foreigners', reason: 'timeout' }), 3);
      assert.equal(metrics.value('hub_subgraph_circuit_state', { subgraph: 'foreigners', state: 'open' }), 1);

      const whileOpen = [await ask(), await ask()];
      assert.equal(frozen.calls, 3, 'an open circuit does not call the frozen subgraph');
      for (const res of [...timedOut, ...whileOpen]) {
        assert.equal(res.status, 200);
        assert.equal(res.body.data.foreigner, null);
        assert.deepEqual(
          (res.body.errors as GraphQLError[]).map((e) => [e.extensions.code, e.extensions.resource]),
          [['SUBGRAPH_UNAVAILABLE', 'foreigners']],
        );
      }
      for (const res of whileOpen) assert.match(res.body.errors[0].message, /not called for a moment/);
    } finally {
      await gateway.stop();
      await frozen.stop();
    }
  });

  it('survives PostgreSQL dropping every connection, refuses AUDIT_UNAVAILABLE while it is gone, and recovers without a restart', async () => {
    const query = 'query($fin: ID!) { person(fin: $fin) { citizen { lastName documents { blank { state } } } restrictionCheck { hit } } }';
    const whole = (res: request.Response) => {
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
      assert.equal(res.body.data.person.citizen.lastName, citizenAt(hub.population, 0).lastName);
    };
    const database = new URL(hub.database.url).pathname.slice(1);
    const serverUrl = new URL(hub.database.url);
    serverUrl.pathname = '/postgres';
    const admin = new Client({ connectionString: serverUrl.toString() });
    await admin.connect();
    // Every connection of the hub to its database, as a PostgreSQL restart would end them.
    const dropConnections = async () => {
      const { rows } = await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);
      await eventually('the connections to end', async () => {
        const left = await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = ANY($1)', [rows.map((r) => r.pid)]);
        return left.rowCount === 0 ? true : null;
      });
      return rows.length;
    };
    try {
      whole(await hub.query(query, { fin }));
      assert.ok((await dropConnections()) > 0);
      whole(await hub.query(query, { fin }));

      await admin.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS false`);
      await dropConnections();
      const refused = await hub.query(query, { fin });
      assert.equal(refused.status, 503);
      assert.equal(refused.body.data, undefined);
      assert.deepEqual(codes(refused), ['AUDIT_UNAVAILABLE']);
      const ready = await request(hub.gateway.server).get('/ready');
      assert.equal(ready.status, 503);
      assert.equal(ready.body.auditJournal, 'unreachable');
      assert.equal(ready.body.subgraphs.citizens, 'not ready');
      const subgraphReady = await request(hub.subgraphs.get('citizens')!.url.replace('/graphql', '')).get('/ready');
      assert.equal(subgraphReady.status, 503);
      assert.deepEqual(subgraphReady.body, { status: 'not ready', subgraph: 'citizens', database: 'unreachable' });
    } finally {
      await admin.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS true`);
      await admin.end();
    }
    whole(await hub.query(query, { fin }));
    const ready = await request(hub.gateway.server).get('/ready');
    assert.equal(ready.status, 200, JSON.stringify(ready.body));
    assert.deepEqual((await request(hub.subgraphs.get('citizens')!.url.replace('/graphql', '')).get('/ready')).body, {
      status: 'ready',
      subgraph: 'citizens',
      database: 'ok',
    });
  });
});
