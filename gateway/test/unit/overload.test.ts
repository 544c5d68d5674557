import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { REFUSAL_MAX_HOLD_MS, REFUSALS_PER_TURN, UNSEEN_TOKEN_CHECKS_PER_SECOND } from '../../src/stages/address-limit';
import { smallWorld } from '../support/world';

/** Held requests stand for a saturated replica: their executor waits until the test lets go. */
function gate(): { held: Promise<void>; release(): void } {
  let release = () => undefined as void;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { held, release };
}

const answer = () => ({ data: { person: { name: 'X' } } });

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** How many of `work` settle in each turn of the event loop, until all have. */
async function settledPerTurn(work: Array<Promise<unknown>>): Promise<number[]> {
  let settled = 0;
  for (const w of work)
    void w.then(() => {
      settled += 1;
    });
  const perTurn: number[] = [];
  for (let before = 0; settled < work.length; before = settled) {
    await nextTurn();
    perTurn.push(settled - before);
  }
  return perTurn;
}

describe('overload and stopping', () => {
  it('sheds load: past the requests in flight and the short queue, OVERLOADED with Retry-After at once, journaled; queued ones run when a slot frees', async () => {
    const world = await smallWorld({ admission: { maxInFlight: 1, maxQueued: 1 } });
    const g = gate();
    const first = world.run('{ person(fin: "A") { name } }', { hold: g.held, respond: answer });
    const queued = world.run('{ person(fin: "A") { name } }', { respond: answer });
    const shed = await world.run('{ person(fin: "A") { name } }', { respond: answer });
    assert.equal(shed.result.status, 503);
    assert.equal(shed.result.headers['retry-after'], '1');
    assert.deepEqual([shed.result.body.errors?.[0]?.extensions?.['code'], shed.entry?.decision, shed.entry?.reason], ['OVERLOADED', 'refused', 'OVERLOADED']);
    g.release();
    assert.equal((await first).result.status, 200);
    assert.equal((await queued).result.status, 200);
    assert.equal((await world.run('{ person(fin: "A") { name } }', { respond: answer })).result.status, 200, 'slots are given back');
  });

  it('answers what is still running at the end of a stop SHUTTING_DOWN, and journals it as that', async () => {
    const world = await smallWorld();
    const g = gate();
    const running = world.run('{ person(fin: "A") { name } }', { hold: g.held, respond: answer });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(world.shutdown.cutInFlight(), 1);
    const { result, entry } = await running;
    g.release();
    assert.deepEqual([result.status, result.body.errors?.[0]?.extensions?.['code'], result.body.data], [503, 'SHUTTING_DOWN', undefined]);
    assert.deepEqual([entry?.decision, entry?.reason], ['refused', 'SHUTTING_DOWN']);
  });

  it('refuses an address whose requests keep failing authentication, and journals each refusal', async () => {
    const world = await smallWorld();
    const limit = world.deps.limits.quotas.unauthenticatedPerMinutePerAddress;
    for (let i = 0; i < limit; i += 1) {
      assert.equal((await world.run('{ person(fin: "A") { name } }', { token: null, address: '192.0.2.7' })).result.status, 401);
    }
    const before = world.journal.entries.length;
    const refused = await world.run('{ person(fin: "A") { name } }', { token: null, address: '192.0.2.7', respond: answer });
    assert.equal(refused.result.status, 429);
    assert.ok(Number(refused.result.headers['retry-after']) >= 1);
    assert.deepEqual([refused.entry?.reason, refused.entry?.agency], ['RATE_LIMITED', null]);
    assert.equal(world.journal.entries.length, before + 1);
    const other = await world.run('{ person(fin: "A") { name } }', { address: '192.0.2.8', respond: answer });
    assert.equal(other.result.status, 200, 'another address is not affected');
  });

  it("answers a flooding address's refusals a few per turn of the event loop, so a verified caller's I/O is served between them", async () => {
    const world = await smallWorld();
    const limit = world.deps.limits.quotas.unauthenticatedPerMinutePerAddress;
    for (let i = 0; i < limit; i += 1) await world.run('{ person(fin: "A") { name } }', { token: null, address: '192.0.2.7' });
    const before = world.journal.entries.length;
    const flood = Array.from({ length: 40 }, () => world.run('{ person(fin: "A") { name } }', { token: null, address: '192.0.2.7' }));
    const perTurn = await settledPerTurn(flood);
    assert.ok(perTurn.length > 1 && Math.max(...perTurn) <= REFUSALS_PER_TURN, `refusals answered per turn: ${perTurn.join(', ')}`);
    const answers = await Promise.all(flood);
    assert.ok(
      answers.every(({ result }) => result.status === 429 && result.headers['retry-after']),
      'each is RATE_LIMITED with Retry-After',
    );
    assert.equal(world.journal.entries.length, before + 40, 'and journaled');
  });

  it("holds a flooding address's refusals while a request that passed the address check is in flight, and no longer than the bound", async () => {
    const world = await smallWorld();
    const limit = world.deps.limits.quotas.unauthenticatedPerMinutePerAddress;
    for (let i = 0; i < limit; i += 1) await world.run('{ person(fin: "A") { name } }', { token: null, address: '192.0.2.7' });
    const refuse = (n: number) => Array.from({ length: n }, () => world.run('{ person(fin: "A") { name } }', { token: null, address: '192.0.2.7' }));

    const g = gate();
    const officer = world.run('{ person(fin: "A") { name } }', { address: '192.0.2.8', hold: g.held, respond: answer });
    await nextTurn();
    let settled = 0;
    const flood = refuse(20);
    for (const r of flood)
      void r.then(() => {
        settled += 1;
      });
    for (let i = 0; i < 3; i += 1) await nextTurn();
    assert.equal(settled, 0, 'held while the officer is served');
    g.release();
    assert.equal((await officer).result.status, 200);
    assert.ok(
      (await Promise.all(flood)).every(({ result }) => result.status === 429),
      'then answered RATE_LIMITED',
    );

    // A request that never ends holds them no longer than the bound.
    const stuck = gate();
    let officerDone = false;
    const slow = world.run('{ person(fin: "A") { name } }', { address: '192.0.2.8', hold: stuck.held, respond: answer }).then(() => {
      officerDone = true;
    });
    await nextTurn();
    assert.ok((await Promise.all(refuse(5))).every(({ result }) => result.status === 429));
    assert.equal(officerDone, false, `answered within ${REFUSAL_MAX_HOLD_MS} ms while the other request is still in flight`);
    stuck.release();
    await slow;
  });
});

describe('a flood behind the address of honest callers', () => {
  const flooded = '192.0.2.9';
  /** The same token with its signature changed: well formed, and it does not verify. */
  const forgedFrom = (token: string) => {
    const [header, payload, signature] = token.split('.') as [string, string, string];
    return `${header}.${payload}.${signature.slice(0, -4)}${signature.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
  };
  /** Fails authentication from `address` until the address limit refuses it. */
  async function lockOut(world: Awaited<ReturnType<typeof smallWorld>>, address: string): Promise<void> {
    const limit = world.deps.limits.quotas.unauthenticatedPerMinutePerAddress;
    for (let i = 0; i < limit; i += 1) await world.run('{ person(fin: "A") { name } }', { token: null, address });
    assert.equal((await world.run('{ person(fin: "A") { name } }', { token: null, address })).result.status, 429);
  }

  it('serves a caller whose token was verified here, and keeps refusing tokenless, malformed and forged tokens from that address', async () => {
    const world = await smallWorld();
    const officer = await world.token({ agency: 'AAA', sub: 'officer-1' });
    assert.equal((await world.run('{ person(fin: "A") { name } }', { token: officer, address: flooded, respond: answer })).result.status, 200);
    await lockOut(world, flooded);

    const served = await world.run('{ person(fin: "A") { name } }', { token: officer, address: flooded, respond: answer });
    assert.deepEqual([served.result.status, served.entry?.agency, served.entry?.decision], [200, 'AAA', 'allowed']);

    for (const token of [null, 'not-a-jwt', forgedFrom(officer)]) {
      const refused = await world.run('{ person(fin: "A") { name } }', { token, address: flooded, respond: answer });
      assert.deepEqual([refused.result.status, refused.entry?.reason, refused.entry?.agency], [429, 'RATE_LIMITED', null], String(token));
    }
  });

  it("serves a caller's first request with a token not seen yet, within a few checks per second for the address", async () => {
    let now = Date.now();
    const world = await smallWorld({ now: () => now });
    await lockOut(world, flooded);
    const fresh = await world.token({ agency: 'AAA', sub: 'officer-2' });
    const first = await world.run('{ person(fin: "A") { name } }', { token: fresh, address: flooded, respond: answer });
    assert.deepEqual([first.result.status, first.entry?.agency], [200, 'AAA']);

    // Forged tokens spend the address's checks for this second; then even a valid unseen token waits for the next second.
    const forged = forgedFrom(await world.token({ agency: 'AAA', sub: 'officer-3' }));
    for (let i = 1; i < UNSEEN_TOKEN_CHECKS_PER_SECOND; i += 1)
      assert.equal((await world.run('{ person(fin: "A") { name } }', { token: forged, address: flooded, respond: answer })).result.status, 429);
    const later = await world.token({ agency: 'AAA', sub: 'officer-4' });
    const waits = await world.run('{ person(fin: "A") { name } }', { token: later, address: flooded, respond: answer });
    assert.deepEqual([waits.result.status, waits.entry?.reason], [429, 'RATE_LIMITED']);
    now += 1_000;
    const next = await world.run('{ person(fin: "A") { name } }', { token: later, address: flooded, respond: answer });
    assert.deepEqual([next.result.status, next.entry?.agency], [200, 'AAA']);
  });

  it('refuses the same token once it has expired: a kept token is valid no longer than a fresh check allows', async () => {
    let now = Date.now();
    const world = await smallWorld({ now: () => now });
    const officer = await world.tokenWithClaims({ sub: 'officer-1', roles: ['officer'] });
    assert.equal((await world.run('{ person(fin: "A") { name } }', { token: officer, address: flooded, respond: answer })).result.status, 200);
    await lockOut(world, flooded);
    now += 2 * 3_600_000;
    const refused = await world.run('{ person(fin: "A") { name } }', { token: officer, address: flooded, respond: answer });
    assert.deepEqual([refused.result.status, refused.entry?.reason], [429, 'RATE_LIMITED']);
  });
});
