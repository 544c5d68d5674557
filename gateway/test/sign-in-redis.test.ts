import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Sessions, type Session } from '../src/sign-in/sessions';
import { RedisSignInStore } from '../src/sign-in/store';

/** Sign-in's store against the real Redis on 127.0.0.1:6379 (started by scripts/test-services.sh): what replicas share. */
const URL = 'redis://127.0.0.1:6379';

describe('sign-in state in Redis, shared by replicas', () => {
  const one = new RedisSignInStore(URL);
  const other = new RedisSignInStore(URL);
  after(async () => {
    await one.close();
    await other.close();
  });
  const key = () => `test:${randomUUID()}`;

  it('hands a sign-in transaction to one replica only', async () => {
    const k = key();
    await one.set(k, 'transaction', 60_000);
    const taken = await Promise.all([one.take(k), other.take(k)]);
    assert.deepEqual(taken.sort(), [null, 'transaction'].sort());
  });

  it('lets a logout token be used once across replicas', async () => {
    const k = key();
    const claims = await Promise.all([one.claim(k, 60_000), other.claim(k, 60_000)]);
    assert.deepEqual(claims.sort(), [false, true]);
  });

  it('keeps an index of sessions another replica reads', async () => {
    const k = key();
    await one.add(k, 'a', 60_000);
    await other.add(k, 'b', 1_000);
    assert.deepEqual((await other.members(k)).sort(), ['a', 'b']);
  });

  it('journals a session nobody presents again once, though every replica sweeps', async () => {
    const policy = { idleTimeoutSeconds: 60, absoluteLifetimeSeconds: 3_600 };
    let now = Date.now();
    const clock = () => now;
    const expired: Session[] = [];
    const journal = async (session: Session) => {
      expired.push(session);
    };
    const first = new Sessions(one, policy, 'https://hub.example.gov.az', journal, clock);
    const second = new Sessions(other, policy, 'https://hub.example.gov.az', journal, clock);
    after(() => {
      first.close();
      second.close();
    });
    const sub = `provider-${randomUUID()}`;
    await first.create(
      {
        identity: { agency: 'MIA', sub: 'officer-1', roles: ['officer'], fin: null, assurance: 'substantial' },
        provider: 'asan-login',
        providerSid: null,
        providerSub: sub,
        idToken: 'h.p.s',
      },
      now + 3_600_000,
    );
    now += policy.idleTimeoutSeconds * 1000;
    // Other tests' sessions in this Redis may be due too: count only this one's subject.
    await Promise.all([first.sweep(), second.sweep(), first.sweep(), second.sweep()]);
    assert.equal(expired.filter((session) => session.providerSub === sub).length, 1);
  });

  it('serves a session created on one replica to the other, and ends it for both', async () => {
    const policy = { idleTimeoutSeconds: 900, absoluteLifetimeSeconds: 3_600 };
    const noExpiry = async () => undefined;
    const first = new Sessions(one, policy, 'https://hub.example.gov.az', noExpiry);
    const second = new Sessions(other, policy, 'https://hub.example.gov.az', noExpiry);
    after(() => {
      first.close();
      second.close();
    });
    const sub = `provider-${randomUUID()}`;
    const { id } = await first.create(
      {
        identity: { agency: 'MIA', sub: 'officer-1', roles: ['officer'], fin: null, assurance: 'substantial' },
        provider: 'asan-login',
        providerSid: null,
        providerSub: sub,
        idToken: 'h.p.s',
      },
      Date.now() + 3_600_000,
    );
    const req = { headers: { cookie: `__Host-hub-session=${id}` }, socket: {} } as unknown as IncomingMessage;
    assert.equal((await second.current(req))?.session.identity.sub, 'officer-1');
    assert.equal((await second.endByProvider('asan-login', null, sub)).length, 1);
    assert.equal(await first.current(req), null);
  });
});
