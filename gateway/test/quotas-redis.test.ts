import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { resolve } from 'node:path';
import type { Identity } from '../src/identity/verifier';
import { loadLimitsPolicy } from '../src/policy/limits';
import { quotasFromEnv } from '../src/policy/quotas';
import { Refusal } from '../src/pipeline/refusal';

/** Quotas against the real Redis on 127.0.0.1:6379 (started by scripts/test-services.sh). */
const POLICIES_DIR = resolve(__dirname, '../../../policies');

const caller: Identity = { agency: 'MIA', sub: 'officer-1', roles: ['officer'], fin: null, assurance: 'low' };

const isRateLimited = (error: unknown) => error instanceof Refusal && error.code === 'RATE_LIMITED' && error.headers['retry-after'] !== undefined;

describe('quotas with Redis', () => {
  const policy = { ...loadLimitsPolicy(POLICIES_DIR).quotas, requestsPerMinutePerSub: 3 };

  it('keep limiting in this process when nothing listens on the Redis port: no failing open, no crash', async () => {
    // A port that was just free: connections to it are refused.
    const probe = createServer();
    await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((done) => probe.close(() => done()));

    const quotas = quotasFromEnv(policy, `redis://127.0.0.1:${port}`, `unit-${process.pid}`);
    try {
      for (let i = 0; i < policy.requestsPerMinutePerSub; i++) await quotas.admit(caller);
      await assert.rejects(quotas.admit(caller), isRateLimited);
      await quotas.settle(caller, 1, true);
      // Another caller has its own quota.
      await quotas.admit({ ...caller, sub: 'officer-2' });
    } finally {
      await quotas.close();
    }
  });

  it("count in Redis from a fresh replica's first request, and keep limiting in memory when Redis goes away mid-way", async () => {
    // A TCP proxy in front of the real Redis: closing it cuts this gateway off Redis.
    const sockets = new Set<Socket>();
    const proxy = createServer((client) => {
      const upstream = connect(6379, '127.0.0.1');
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((done) => proxy.listen(0, '127.0.0.1', done));
    const cutOff = () =>
      new Promise<void>((done) => {
        proxy.close(() => done());
        for (const socket of sockets) socket.destroy();
      });
    const prefix = `unit-${process.pid}-${Date.now()}`;
    const viaProxy = quotasFromEnv(policy, `redis://127.0.0.1:${(proxy.address() as AddressInfo).port}`, prefix);
    const direct = quotasFromEnv(policy, 'redis://127.0.0.1:6379', prefix);
    try {
      for (let i = 0; i < policy.requestsPerMinutePerSub; i++) await viaProxy.admit(caller);
      // The counter is in Redis: a replica reaching Redis directly sees the quota used up.
      await assert.rejects(direct.admit(caller), isRateLimited);

      await cutOff();
      for (let i = 0; i < policy.requestsPerMinutePerSub; i++) await viaProxy.admit(caller);
      await assert.rejects(viaProxy.admit(caller), isRateLimited);
    } finally {
      await viaProxy.close();
      await direct.close();
      if (proxy.listening) await cutOff();
    }
  });
});
