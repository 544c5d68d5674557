import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createKeyPair } from '@hub/kit';
import { agencyKeyPaths } from '../../src/identity/keys';
import { IdentityVerifier, JWKS_RELOAD_COOLDOWN_MS, VERIFIED_TOKEN_MAX_KEEP_MS } from '../../src/identity/verifier';
import { smallWorld } from '../support/world';

describe('identity', () => {
  it('picks up a rotated agency key once the JWKS cool-down has passed, not before (clock injected)', async () => {
    let now = Date.now();
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

  it('keeps a verified token until it expires, and refuses it from then on (clock injected)', async () => {
    const world = await smallWorld();
    const authorization = `Bearer ${await world.token({ agency: 'AAA', ttlSeconds: 120 })}`;
    let now = Date.now();
    const verifier = new IdentityVerifier(world.policies, () => now);
    const first = await verifier.verify(authorization);
    assert.equal(await verifier.verify(authorization), first, 'the kept identity, not a second verification');
    assert.throws(
      () => {
        (first.roles as string[]).push('auditor');
      },
      TypeError,
      'a kept identity cannot be changed by one request for the next',
    );

    now += (120 + world.policies.identity.clockToleranceSeconds) * 1000;
    await assert.rejects(
      verifier.verify(authorization),
      (error: Error & { code?: string }) => error.code === 'UNAUTHENTICATED' && /has expired/.test(error.message),
    );
  });

  it('checks the maximum token age on a kept token too, and verifies a long-lived one again after a while', async () => {
    const world = await smallWorld();
    const { maxTokenAgeSeconds, clockToleranceSeconds } = world.policies.identity;
    const authorization = `Bearer ${await world.token({ agency: 'AAA', ttlSeconds: 2 * maxTokenAgeSeconds })}`;
    let now = Date.now();
    const verifier = new IdentityVerifier(world.policies, () => now);
    const issued = now;
    const first = await verifier.verify(authorization);
    now += VERIFIED_TOKEN_MAX_KEEP_MS;
    const again = await verifier.verify(authorization);
    assert.notEqual(again, first, 'verified again');
    assert.deepEqual(again, first);
    // Kept once more shortly before the age limit, for longer than the limit leaves: the kept entry must not outlive it.
    const ageLimit = issued + (maxTokenAgeSeconds + clockToleranceSeconds) * 1000;
    now = ageLimit - VERIFIED_TOKEN_MAX_KEEP_MS / 2;
    await verifier.verify(authorization);
    now = ageLimit + 1000;
    await assert.rejects(verifier.verify(authorization), /issued too long ago/);
  });

  const refusals: Array<[string, Record<string, string>, RegExp]> = [
    ['no token', {}, /no Authorization/],
    ['not a bearer JWT', { authorization: 'Basic abc' }, /not "Bearer <JWT>"/],
    [
      'an unsigned token',
      { authorization: `Bearer ${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"agency":"AAA"}').toString('base64url')}.` },
      /alg "none"/,
    ],
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

  const claims: Array<[string, Record<string, unknown>, RegExp]> = [
    ['a sub with free text', { sub: 'Ali Mammadov said: SELECT', roles: ['officer'] }, /"sub" must be 1 to 64 letters/],
    ['a sub over 64 characters', { sub: 'a'.repeat(65), roles: ['officer'] }, /"sub" must be/],
    ['no sub', { roles: ['officer'] }, /"sub" claim is missing/],
    ['an unknown role', { sub: 'x', roles: ['officer', 'admin'] }, /unknown role/],
    ['a role twice', { sub: 'x', roles: ['officer', 'officer'] }, /a role twice/],
    ['more roles than exist', { sub: 'x', roles: ['officer', 'system', 'auditor', 'citizen', 'officer'] }, /more than 4 roles/],
    ['roles that are not a list', { sub: 'x', roles: 'officer' }, /non-empty list/],
  ];
  for (const [what, payload, message] of claims) {
    it(`refuses a token with ${what}: UNAUTHENTICATED with the reason`, async () => {
      const world = await smallWorld();
      const { result, entry } = await world.run('{ person(fin: "A") { name } }', { token: await world.tokenWithClaims(payload) });
      assert.deepEqual([result.status, result.body.errors?.[0]?.extensions?.['code']], [401, 'UNAUTHENTICATED']);
      assert.match(result.body.errors?.[0]?.message ?? '', message);
      assert.equal(entry?.sub, null, 'a refused sub is not journaled');
    });
  }

  it("checks X-Case-Number against the purpose's own format, naming it; other purposes take a short plain identifier", async () => {
    const world = await smallWorld();
    const run = (purpose: string, caseNumber: string) =>
      world.run('{ person(fin: "A") { name } }', { purpose, headers: { 'x-case-number': caseNumber }, respond: () => ({ data: { person: null } }) });
    const ok = await run('enforce', 'IC-2024-0000012');
    assert.deepEqual([ok.result.status, ok.entry?.caseNumber], [200, 'IC-2024-0000012']);
    const wrong = await run('enforce', '2024/12');
    assert.deepEqual(
      [wrong.result.status, wrong.result.body.errors?.[0]?.extensions?.['code'], wrong.result.body.errors?.[0]?.extensions?.['expectedFormat']],
      [400, 'BAD_USER_INPUT', 'IC-YYYY-NNNNNNN'],
    );
    assert.equal(wrong.entry?.caseNumber, null, 'a refused case number is not journaled');
    assert.equal((await run('check', 'case 42/A')).result.status, 200);
    assert.equal((await run('check', 'x'.repeat(65))).result.status, 400);
    assert.equal((await run('check', 'drop table; --')).result.status, 400);
  });
});
