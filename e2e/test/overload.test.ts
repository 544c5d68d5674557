import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import request from 'supertest';
import { Client } from 'pg';
import { quotasFromEnv, type QuotaCounting, type RunningGateway } from '@hub/gateway';
import { freePort, queryGateway, scrapeMetrics, startGatewayOver, startTestHub, type TestHub } from '../src/hub';

/** A citizens subgraph that takes every call and answers none until told to (a saturated dependency). */
async function stalledSubgraph(): Promise<{ url: string; holding(n: number): Promise<void>; release(): void; close(): Promise<void> }> {
  const waiting: ServerResponse[] = [];
  const watchers: Array<{ n: number; done(): void }> = [];
  const server: Server = createServer((req, res) => {
    if (req.url?.endsWith('/ready')) return void res.end('{"status":"ready"}');
    req.resume();
    waiting.push(res);
    for (const w of watchers.filter((w) => waiting.length >= w.n)) {
      watchers.splice(watchers.indexOf(w), 1);
      w.done();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    holding: (n) =>
      waiting.length >= n
        ? Promise.resolve()
        : new Promise((done) => {
            watchers.push({ n, done });
          }),
    release: () => {
      for (const res of waiting.splice(0)) res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":{"person":null}}');
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Whether something listens on the loopback port now. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => setTimeout(() => resolve(false), 10));
  });
}

describe('overload and a silent dependency, on real servers', { timeout: 60_000 }, () => {
  let hub: TestHub;
  let db: Client;
  before(async () => {
    hub = await startTestHub();
    db = new Client({ connectionString: hub.database.url });
    await db.connect();
  });
  after(async () => {
    await db.end();
    await hub.stop();
  });

  it('sheds load past its bound with OVERLOADED and Retry-After at once, journaled, while /health, /ready and /metrics still answer', async () => {
    const stalled = await stalledSubgraph();
    const gateway: RunningGateway = await startGatewayOver(hub, { urls: { citizens: stalled.url }, admission: { maxInFlight: 2, maxQueued: 2 } });
    try {
      const token = await hub.token({ agency: 'MIA', roles: ['officer'] });
      // Two are at the subgraph and two wait; the other four are answered without waiting for anything.
      const shed: request.Response[] = [];
      let fourShed = () => undefined as void;
      const shedding = new Promise<void>((resolve) => {
        fourShed = resolve;
      });
      const sent = Array.from({ length: 8 }, () =>
        queryGateway(gateway, token, '{ person(fin: "0YYF118") { fin } }').then((res) => {
          if (res.status === 503) shed.push(res);
          if (shed.length === 4) fourShed();
          return res;
        }),
      );
      await Promise.all([shedding, stalled.holding(2)]);
      for (const res of shed) {
        assert.equal(res.body.errors[0].extensions.code, 'OVERLOADED');
        assert.equal(res.headers['retry-after'], '1');
      }
      assert.equal((await request(gateway.server).get('/health')).status, 200);
      assert.equal((await request(gateway.server).get('/ready')).status, 200);
      assert.ok((await scrapeMetrics(gateway)).value('hub_requests_total', { code: 'OVERLOADED' }) >= 4);
      stalled.release();
      // The two queued ones reach the subgraph once the first two are answered.
      await stalled.holding(2);
      stalled.release();
      const all = await Promise.all(sent);
      assert.deepEqual(all.map((r) => r.status).sort(), [200, 200, 200, 200, 503, 503, 503, 503]);
      const { rows } = await db.query<{ reason: string }>('SELECT reason FROM audit.journal WHERE registration_number = ANY($1)', [
        shed.map((r) => r.headers['x-registration-number']),
      ]);
      assert.deepEqual(
        rows.map((r) => r.reason),
        ['OVERLOADED', 'OVERLOADED', 'OVERLOADED', 'OVERLOADED'],
      );
    } finally {
      stalled.release();
      await gateway.stop();
      await stalled.close();
    }
  });

  it('tells once that Redis is gone and counts locally meanwhile (log, /metrics, /ready), still serving, and shares again when it is back', async () => {
    const port = await freePort();
    const startRedis = (): ChildProcess =>
      spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    let redis = startRedis();
    // The outage under test is the one below: the hub connects once this Redis listens.
    for (let tries = 0; !(await accepts(port)); tries += 1) assert.ok(tries < 500, 'redis-server listens');
    const changes: QuotaCounting[] = [];
    const quotas = quotasFromEnv(hub.options.limits.quotas, `redis://127.0.0.1:${port}`, `e2e-redis-${port}`, (counting) => changes.push(counting));
    const gateway = await startGatewayOver(hub, { quotas });
    const counting = async () => ((await request(gateway.server).get('/ready')).body as { quotas: string }).quotas;
    try {
      for (let tries = 0; (await counting()) !== 'shared'; tries += 1) assert.ok(tries < 500, 'Redis connected');
      const token = await hub.token({ agency: 'MIA', roles: ['officer'] });
      redis.kill('SIGKILL');
      await new Promise((resolve) => redis.once('exit', resolve));
      for (let tries = 0; (await counting()) !== 'local (Redis unreachable)'; tries += 1) assert.ok(tries < 500, 'the outage is seen');
      const served = await queryGateway(gateway, token, '{ person(fin: "0YYF118") { fin } }');
      assert.equal(served.status, 200, 'the hub still serves, each replica counting on its own');
      const metrics = await scrapeMetrics(gateway);
      assert.deepEqual([metrics.value('hub_quota_counting', { mode: 'local' }), metrics.value('hub_quota_counting', { mode: 'shared' })], [1, 0]);
      assert.equal((await request(gateway.server).get('/ready')).status, 200, 'not "not ready": the hub can serve');
      redis = startRedis();
      for (let tries = 0; (await counting()) !== 'shared'; tries += 1) assert.ok(tries < 500, 'shared again');
      assert.deepEqual(changes, ['local (Redis unreachable)', 'shared'], 'each change told once');
    } finally {
      redis.kill('SIGKILL');
      await gateway.stop();
    }
  });
});
