import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createKeyPair } from '@hub/kit';
import { agencyKeyPaths } from '../../src/keys';
import { JWKS_RELOAD_COOLDOWN_MS } from '../../src/identity';
import { smallWorld } from '../support/world';

describe('identity', () => {
  it('picks up a rotated agency key once the JWKS cool-down has passed, not before (clock injected)', async () => {
    let now = 1_000_000;
    const world = await smallWorld({ now: () => now });
    assert.equal((await world.run('{ person(fin: "A") { name } }', { respond: () => ({ data: { person: null } }) })).result.status, 200);

    // The agency rotates: a new key pair, the JWKS file now lists both.
    const paths = agencyKeyPaths(world.keysDir, 'AAA');
    const old = JSON.parse(readFileSync(paths.jwks, 'utf8')) as { keys: unknown[] };
    const rotated = await createKeyPair('aaa-rotated');
    writeFileSync(paths.jwks, JSON.stringify({ keys: [...old.keys, ...rotated.publicJwks.keys] }));
    writeFileSync(paths.privateJwk, JSON.stringify(rotated.privateJwk));
    const token = await world.token({ agency: 'AAA' });

    now += JWKS_RELOAD_COOLDOWN_MS - 1;
    const early = await world.run('{ person(fin: "A") { name } }', { token });
    assert.equal(early.result.status, 401);
    assert.match(early.result.body.errors?.[0]?.message ?? '', /key id/);

    now += 2;
    const late = await world.run('{ person(fin: "A") { name } }', { token, respond: () => ({ data: { person: null } }) });
    assert.equal(late.result.status, 200);
  });

  const refusals: Array<[string, Record<string, string>, RegExp]> = [
    ['no token', {}, /no Authorization/],
    ['not a bearer JWT', { authorization: 'Basic abc' }, /not "Bearer <JWT>"/],
    ['an unsigned token', { authorization: `Bearer ${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"agency":"AAA"}').toString('base64url')}.` }, /alg "none"/],
  ];
  for (const [what, headers, message] of refusals) {
    it(`refuses ${what} with UNAUTHENTICATED and the reason`, async () => {
      const world = await smallWorld();
      const { result } = await world.run('{ person(fin: "A") { name } }', { token: null, headers });
      assert.equal(result.status, 401);
      assert.equal(result.body.errors?.[0]?.extensions?.['code'], 'UNAUTHENTICATED');
      assert.match(result.body.errors?.[0]?.message ?? '', message);
    });
  }

  it('refuses a purpose the role may not state, listing the allowed ones', async () => {
    const world = await smallWorld();
    const { result } = await world.run('{ person(fin: "A") { name } }', { purpose: 'audit' });
    assert.deepEqual([result.status, result.body.errors?.[0]?.extensions?.['code'], result.body.errors?.[0]?.extensions?.['allowed']], [400, 'BAD_USER_INPUT', ['check']]);
  });
});
