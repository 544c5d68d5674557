import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { DPOP_PROOF_MAX_AGE_SECONDS, MemoryProofReplayCache, RedisProofReplayCache } from '../../src/identity/dpop';
import { IdentityVerifier } from '../../src/identity/verifier';
import { loadPolicies, PolicyError } from '../../src/policy/policies';
import { SMALL_WORLD_URL, smallPolicies, smallWorld, type World } from '../support/world';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Redis from 'ioredis';

interface Holder {
  privateKey: CryptoKey;
  jwk: JWK;
  jkt: string;
}

async function holder(alg = 'ES256'): Promise<Holder> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  return { privateKey, jwk, jkt: await calculateJwkThumbprint(jwk, 'sha256') };
}

const ath = (token: string) => createHash('sha256').update(token).digest('base64url');

interface ProofOptions {
  htm?: string;
  htu?: string;
  token: string;
  iat?: number;
  jti?: string;
  typ?: string;
  alg?: string;
  jwk?: JWK;
  omit?: string[];
}

/** A proof as a DPoP client makes it (RFC 9449 4.2), with whatever the test changes. */
async function proof(key: Holder, nowMs: number, options: ProofOptions): Promise<string> {
  const claims: Record<string, unknown> = {
    htm: options.htm ?? 'POST',
    htu: options.htu ?? `${SMALL_WORLD_URL}/graphql`,
    ath: ath(options.token),
    jti: options.jti ?? randomUUID(),
    iat: options.iat ?? Math.floor(nowMs / 1000),
  };
  for (const name of options.omit ?? []) delete claims[name];
  return new SignJWT(claims)
    .setProtectedHeader({ alg: options.alg ?? 'ES256', typ: options.typ ?? 'dpop+jwt', jwk: options.jwk ?? key.jwk })
    .sign(key.privateKey);
}

const QUERY = '{ person(fin: "A") { name } }';
const answered = () => ({ data: { person: null } });

/** BBB's tokens are DPoP-bound in this world; the clock is the test's. */
async function dpopWorld(): Promise<{ world: World; now: { ms: number }; key: Holder; token: string }> {
  const now = { ms: Date.now() };
  const world = await smallWorld({ dpop: ['BBB'], now: () => now.ms });
  const key = await holder();
  const token = await world.token({ agency: 'BBB', jkt: key.jkt });
  return { world, now, key, token };
}

async function send(world: World, token: string, proofs: string[] | string | undefined, call: { scheme?: string; method?: string } = {}) {
  return world.run(QUERY, {
    token: null,
    respond: answered,
    ...(call.method ? { method: call.method } : {}),
    headers: {
      authorization: `${call.scheme ?? 'DPoP'} ${token}`,
      ...(proofs === undefined ? {} : { dpop: Array.isArray(proofs) ? proofs.join(', ') : proofs }),
    },
  });
}

const reasonOf = (result: { body: { errors?: ReadonlyArray<{ extensions?: Record<string, unknown> }> } }) => result.body.errors?.[0]?.extensions?.['reason'];

describe('DPoP (RFC 9449) for bodies whose tokens are sender-constrained', () => {
  it('serves a bound token with a valid proof for this request', async () => {
    const { world, now, key, token } = await dpopWorld();
    const { result, executed, entry } = await send(world, token, await proof(key, now.ms, { token }));
    assert.equal(result.status, 200, JSON.stringify(result.body));
    assert.ok(executed);
    assert.equal(entry?.decision, 'allowed');
    assert.equal(entry?.agency, 'BBB');
  });

  it('refuses the token without its proof, journaled, with the DPoP challenge', async () => {
    const { world, token } = await dpopWorld();
    const { result, executed, entry } = await send(world, token, undefined);
    assert.equal(result.status, 401);
    assert.equal(result.body.errors?.[0]?.extensions?.['code'], 'UNAUTHENTICATED');
    assert.match(String(reasonOf(result)), /needs a DPoP proof/);
    assert.match(String(result.headers['www-authenticate'] ?? ''), /^DPoP error="invalid_dpop_proof", algs="[^"]*ES256/);
    assert.equal(executed, null);
    assert.equal(entry?.reason, 'UNAUTHENTICATED');
    assert.equal(entry?.decision, 'refused');
    assert.equal(entry?.attemptToExceedAuthority, true);
  });

  it('refuses a bound token sent as Bearer, even with a proof', async () => {
    const { world, now, key, token } = await dpopWorld();
    const { result } = await send(world, token, await proof(key, now.ms, { token }), { scheme: 'Bearer' });
    assert.equal(result.status, 401);
    assert.match(String(reasonOf(result)), /must be sent as "Authorization: DPoP <token>"/);
    assert.match(String(result.headers['www-authenticate'] ?? ''), /^DPoP error="invalid_token"/);
  });

  it("refuses a DPoP body's token that is not bound to a key (no cnf.jkt)", async () => {
    const { world, now, key } = await dpopWorld();
    const unbound = await world.token({ agency: 'BBB' });
    const { result } = await send(world, unbound, await proof(key, now.ms, { token: unbound }));
    assert.equal(result.status, 401);
    assert.match(String(reasonOf(result)), /BBB's tokens must be DPoP-bound/);
  });

  it('checks the proof of a bound token of any body, and refuses the DPoP scheme for an unbound token', async () => {
    const { world, now, key } = await dpopWorld();
    const bound = await world.token({ agency: 'AAA', jkt: key.jkt });
    assert.match(String(reasonOf((await send(world, bound, undefined)).result)), /needs a DPoP proof/);
    assert.equal((await send(world, bound, await proof(key, now.ms, { token: bound }))).result.status, 200);
    const unbound = await world.token({ agency: 'AAA' });
    const refused = await send(world, unbound, await proof(key, now.ms, { token: unbound }));
    assert.match(String(reasonOf(refused.result)), /not bound to a key/);
  });

  it('refuses a replayed proof (the same jti), and accepts a fresh one', async () => {
    const { world, now, key, token } = await dpopWorld();
    const once = await proof(key, now.ms, { token });
    assert.equal((await send(world, token, once)).result.status, 200);
    const replay = await send(world, token, once);
    assert.equal(replay.result.status, 401);
    assert.match(String(reasonOf(replay.result)), /used before/);
    assert.equal(replay.entry?.reason, 'UNAUTHENTICATED');
    assert.equal((await send(world, token, await proof(key, now.ms, { token }))).result.status, 200);
  });

  const refusals: Array<[string, (key: Holder, now: number, token: string, other: Holder) => Promise<string | string[]>, RegExp]> = [
    ['two proofs', async (key, now, token) => [await proof(key, now, { token }), await proof(key, now, { token })], /exactly one DPoP proof/],
    ['a malformed proof', async () => 'not-a-jws', /malformed/],
    ['a proof of another typ', (key, now, token) => proof(key, now, { token, typ: 'JWT' }), /"typ" must be "dpop\+jwt"/],
    [
      'a symmetric algorithm',
      async (key, now, token) => {
        const secret = new Uint8Array(32);
        return new SignJWT({ htm: 'POST', htu: `${SMALL_WORLD_URL}/graphql`, ath: ath(token), jti: 'x', iat: Math.floor(now / 1000) })
          .setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk: key.jwk })
          .sign(secret);
      },
      /algorithm must be one of/,
    ],
    ['no embedded key', (key, now, token) => proof(key, now, { token, jwk: undefined as unknown as JWK }).then(stripJwk), /carry its public key/],
    [
      'a private key in the header',
      async (key, now, token) => {
        const { privateKey } = await generateKeyPair('ES256', { extractable: true });
        return proof(key, now, { token, jwk: { ...key.jwk, d: (await exportJWK(privateKey)).d! } });
      },
      /no private part/,
    ],
    ["a signature that is not the embedded key's", (key, now, token, other) => proof(other, now, { token, jwk: key.jwk }), /signature does not verify/],
    ['another method', (key, now, token) => proof(key, now, { token, htm: 'GET' }), /another HTTP method/],
    ['another URL', (key, now, token) => proof(key, now, { token, htu: 'https://elsewhere.test/graphql' }), /another URL/],
    ['another path', (key, now, token) => proof(key, now, { token, htu: `${SMALL_WORLD_URL}/consents` }), /another URL/],
    ['another token', (key, now, _token) => proof(key, now, { token: 'another.access.token' }), /another access token/],
    ["a key other than the token's", (_key, now, token, other) => proof(other, now, { token }), /key other than the token's/],
    ['an old proof', (key, now, token) => proof(key, now, { token, iat: Math.floor(now / 1000) - DPOP_PROOF_MAX_AGE_SECONDS - 60 }), /too old/],
    ['a proof from the future', (key, now, token) => proof(key, now, { token, iat: Math.floor(now / 1000) + 600 }), /in the future/],
    ['no jti', (key, now, token) => proof(key, now, { token, omit: ['jti'] }), /"jti" claim is missing/],
    ['no ath', (key, now, token) => proof(key, now, { token, omit: ['ath'] }), /"ath" claim is missing/],
  ];
  for (const [what, make, reason] of refusals) {
    it(`refuses ${what}, journaled`, async () => {
      const { world, now, key, token } = await dpopWorld();
      const { result, executed, entry } = await send(world, token, await make(key, now.ms, token, await holder()));
      assert.equal(result.status, 401, JSON.stringify(result.body));
      assert.match(String(reasonOf(result)), reason);
      assert.equal(executed, null);
      assert.equal(entry?.reason, 'UNAUTHENTICATED');
    });
  }

  it('accepts a proof whose htu carries a query (RFC 9449 4.3 compares without it) and an EdDSA key', async () => {
    const { world, now } = await dpopWorld();
    const key = await holder('EdDSA');
    const token = await world.token({ agency: 'BBB', jkt: key.jkt });
    const signed = await new SignJWT({ htm: 'POST', htu: `${SMALL_WORLD_URL}/graphql?x=1`, ath: ath(token), jti: randomUUID(), iat: Math.floor(now.ms / 1000) })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'dpop+jwt', jwk: key.jwk })
      .sign(key.privateKey);
    assert.equal((await send(world, token, signed)).result.status, 200);
  });

  it("keeps the address limit's fast path (knows) for bearer tokens only: a bound token is known only with its proof checked", async () => {
    const { world, now, key, token } = await dpopWorld();
    const verifier = world.deps.identity;
    const request = { proof: await proof(key, now.ms, { token }), method: 'POST', path: '/graphql' };
    await verifier.verify(`DPoP ${token}`, request);
    assert.equal(verifier.knows(`DPoP ${token}`), false);
    assert.equal(await verifier.verifiesToken(`DPoP ${token}`), true, 'the token itself verifies');
    const bearer = await world.token({ agency: 'AAA' });
    await verifier.verify(`Bearer ${bearer}`);
    assert.equal(verifier.knows(`Bearer ${bearer}`), true);
  });

  it('tells a caller without a token both schemes it may use', async () => {
    const { world } = await dpopWorld();
    const { result } = await world.run(QUERY, { token: null });
    assert.equal(result.status, 401);
    assert.match(String(result.headers['www-authenticate'] ?? ''), /^Bearer realm="hub", DPoP algs="EdDSA ES256/);
  });

  it('refuses a bound token where no body is DPoP-bound and the gateway has no public URL, as a refusal, not a fault', async () => {
    const world = await smallWorld();
    const key = await holder();
    const verifier = new IdentityVerifier(world.policies);
    const token = await world.token({ agency: 'AAA', jkt: key.jkt });
    const request = { proof: await proof(key, Date.now(), { token }), method: 'POST', path: '/graphql' };
    await assert.rejects(
      verifier.verify(`DPoP ${token}`, request),
      (e: Error & { code?: string }) => e.code === 'UNAUTHENTICATED' && /no HUB_PUBLIC_URL/.test(e.message),
    );
  });

  it('will not start without the public URL proofs name when a body is DPoP-bound', () => {
    const keysDir = mkdtempSync(join(tmpdir(), 'hub-unit-keys-'));
    const { policies } = smallPolicies(keysDir, ['BBB']);
    assert.throws(() => new IdentityVerifier(policies), /HUB_PUBLIC_URL must be set: the tokens of BBB are DPoP-bound/);
    assert.doesNotThrow(() => new IdentityVerifier(smallPolicies(keysDir).policies));
  });

  it('refuses a sender constraint it does not know, at start', () => {
    const keysDir = mkdtempSync(join(tmpdir(), 'hub-unit-keys-'));
    const { dir } = smallPolicies(keysDir);
    assert.throws(
      () => smallPoliciesWith(dir, keysDir, { overrides: { AAA: { senderConstrained: 'mtls' } } }),
      (e: Error) => e instanceof PolicyError && /senderConstrained must be "dpop"/.test(e.message),
    );
  });
});

describe('DPoP replay caches', () => {
  it('remembers a proof for its window in memory', async () => {
    const cache = new MemoryProofReplayCache();
    assert.equal(await cache.firstUse('a', 60_000), true);
    assert.equal(await cache.firstUse('a', 60_000), false);
    assert.equal(await cache.firstUse('b', 60_000), true);
  });

  it('shares proofs through Redis (SET NX with the window), and still catches a replay on this replica while Redis is down', async () => {
    const sets: unknown[][] = [];
    let down = false;
    const keys = new Set<string>();
    const redis = {
      async set(...args: unknown[]) {
        if (down) throw new Error('down');
        sets.push(args);
        const key = String(args[0]);
        if (keys.has(key)) return null;
        keys.add(key);
        return 'OK';
      },
    } as unknown as Redis;
    const cache = new RedisProofReplayCache(redis);
    assert.equal(await cache.firstUse('k', 90_000), true);
    assert.deepEqual(sets[0], ['hub:dpop:k', '1', 'PX', 90_000, 'NX']);
    // Seen by another replica: Redis has it, this replica has not.
    keys.add('hub:dpop:elsewhere');
    assert.equal(await cache.firstUse('elsewhere', 90_000), false);
    down = true;
    assert.equal(await cache.firstUse('k', 90_000), false);
    assert.equal(await cache.firstUse('fresh', 90_000), true);
  });
});

function stripJwk(jws: string): string {
  const [header, payload, signature] = jws.split('.');
  const parsed = JSON.parse(Buffer.from(header!, 'base64url').toString()) as Record<string, unknown>;
  delete parsed['jwk'];
  return `${Buffer.from(JSON.stringify(parsed)).toString('base64url')}.${payload!}.${signature!}`;
}

/** The small world's policies with identity-providers.json changed, loaded again. */
function smallPoliciesWith(dir: string, keysDir: string, change: Record<string, unknown>) {
  const file = join(dir, 'identity-providers.json');
  writeFileSync(file, JSON.stringify({ ...(JSON.parse(readFileSync(file, 'utf8')) as object), ...change }));
  return loadPolicies(dir, keysDir);
}
