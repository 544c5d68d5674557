import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createPublicKey, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import {
  base64url,
  calculateJwkThumbprint,
  decodeJwt,
  exportJWK,
  generateKeyPair,
  importJWK,
  SignJWT,
  type JWK,
  type JWTHeaderParameters,
  type JWTPayload,
} from 'jose';
import { Client } from 'pg';
import { agencyKeyPaths, readPrivateJwk } from '@hub/gateway';
import { createKeyPair, importSigningKey, signCallerAssertion, type Caller, type SigningKey } from '@hub/kit';
import { demoPeople } from '@hub/kit/synthetic';
import { startTestHub, type TestHub } from '../src/hub';

const TOKEN_SCRIPT = resolve(__dirname, '../../../scripts/dist/src/token.js');
/** What an MIA officer may claim, written from access-matrix.md's purpose table (not read from purposes.json). */
const MIA_OFFICER_PURPOSES = [
  'identity-check',
  'document-issuance',
  'migration-control',
  'criminal-investigation',
  'operative-search',
  'child-protection',
  'service-delivery',
];
const QUERY = 'query($fin: ID!) { person(fin: $fin) { citizen { fin } borderCrossings(first: 1) { direction } restrictionCheck { hit } } }';

interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
  extensions?: { registrationNumber: string };
}

const now = () => Math.floor(Date.now() / 1000);

describe('identity: who is asking, and why', () => {
  let hub: TestHub;
  let db: Client;
  let fin: string;
  const keyOf = async (agency: string) => {
    const jwk = readPrivateJwk(agencyKeyPaths(hub.keysDir, agency).privateJwk);
    return { kid: jwk.kid!, jwk, key: await importJWK(jwk, 'EdDSA') };
  };
  /**
   * A token as an agency's identity provider issues it, for a person signed in with a qualified
   * e-signature (its acr value for `high`), with `extra` claims on top and the `dropped` ones left out.
   */
  const claims = (agency: string, extra: JWTPayload = {}, ...dropped: string[]): JWTPayload => {
    const payload: JWTPayload = {
      agency,
      roles: ['officer'],
      sub: 'identity-test',
      acr: hub.policies.identity.acrValuesOf(agency, 'high')[0],
      iss: hub.policies.identity.issuerOf(agency),
      aud: hub.policies.identity.audience,
      iat: now(),
      exp: now() + 300,
      ...extra,
    };
    for (const claim of dropped) delete payload[claim];
    return payload;
  };
  const sign = (payload: JWTPayload, key: Parameters<SignJWT['sign']>[0], header: JWTHeaderParameters) =>
    new SignJWT(payload).setProtectedHeader(header).sign(key);
  const signedBy = async (agency: string, payload: JWTPayload) => {
    const { kid, key } = await keyOf(agency);
    return sign(payload, key, { alg: 'EdDSA', kid });
  };

  const call = (authorization: string | null, purpose: string | null = 'identity-check', caseNumber?: string) =>
    hub.query(QUERY, { fin }, { token: null, purpose, headers: authorization === null ? {} : { authorization }, ...(caseNumber ? { caseNumber } : {}) });

  async function assertRefused(res: { status: number; body: GraphQLBody }, status: number, code: string, message: RegExp, what: string) {
    assert.equal(res.status, status, what);
    assert.equal(res.body.data, undefined, what);
    assert.equal(res.body.errors?.length, 1, what);
    assert.equal(res.body.errors?.[0]?.extensions?.['code'], code, what);
    assert.match(res.body.errors?.[0]?.message ?? '', message, what);
    assert.deepEqual(await hub.subgraphsCalled(res.body.extensions!.registrationNumber), [], `${what}: the request went no further`);
  }

  async function assertServed(res: { status: number; body: GraphQLBody }, what: string) {
    assert.equal(res.status, 200, what);
    assert.equal(res.body.errors, undefined, `${what}: ${JSON.stringify(res.body.errors)}`);
    assert.deepEqual((res.body.data?.['person'] as { citizen: unknown }).citizen, { fin }, what);
  }

  // Rotation: SMS is first used (and its JWKS file read) in before(); a key added afterwards
  // is found by its kid once the verifier's re-read throttle has passed (last test).
  let rotated: SigningKey;
  let smsFirstUsedAt = 0;

  before(async () => {
    hub = await startTestHub();
    db = new Client({ connectionString: hub.database.url });
    await db.connect();
    fin = demoPeople(hub.population).find((p) => p.case === 'citizen-full')!.fin;

    await assertServed(await call(`Bearer ${await hub.token({ agency: 'SMS', roles: ['officer'] })}`), 'SMS before rotation');
    smsFirstUsedAt = Date.now();
    const { privateJwk, publicJwks } = await createKeyPair(`sms-rotated-${Date.now().toString(36)}`);
    const path = agencyKeyPaths(hub.keysDir, 'SMS').jwks;
    const jwks = JSON.parse(readFileSync(path, 'utf8')) as { keys: JWK[] };
    writeFileSync(path, JSON.stringify({ keys: [...jwks.keys, ...publicJwks.keys] }));
    rotated = await importSigningKey(privateJwk);
  });
  after(async () => {
    await db.end();
    await hub.stop();
  });

  it('serves a well-formed token of a known agency (the control for every attack below)', async () => {
    await assertServed(await call(`Bearer ${await signedBy('MIA', claims('MIA'))}`), 'valid');
  });

  it('tolerates a small clock skew on exp and nbf', async () => {
    await assertServed(await call(`Bearer ${await signedBy('MIA', claims('MIA', { exp: now() - 10 }))}`), 'expired 10 s ago');
    await assertServed(await call(`Bearer ${await signedBy('MIA', claims('MIA', { nbf: now() + 10 }))}`), 'valid in 10 s');
  });

  const attacks: Array<[string, () => Promise<string | null>, RegExp]> = [
    ['no Authorization header', async () => null, /no Authorization: Bearer token/],
    ['another scheme than Bearer', async () => 'Basic bWlhOnNlY3JldA==', /not "Bearer <JWT>"/],
    ['a malformed token', async () => 'Bearer abc.def.ghi', /malformed/],
    ['a token that is not a JWT at all', async () => 'Bearer secret-password', /not "Bearer <JWT>"/],
    [
      "a signature by another agency's key claiming this agency",
      async () => {
        const { kid } = await keyOf('MIA');
        const { key } = await keyOf('SBS');
        return `Bearer ${await sign(claims('MIA'), key, { alg: 'EdDSA', kid })}`;
      },
      /signature does not verify/,
    ],
    [
      'alg "none"',
      async () => {
        const part = (value: object) => base64url.encode(JSON.stringify(value));
        return `Bearer ${part({ alg: 'none', typ: 'JWT' })}.${part(claims('MIA'))}.`;
      },
      /alg "none"/,
    ],
    [
      "an HMAC token keyed with the agency's public key",
      async () => {
        const { jwk, kid } = await keyOf('MIA');
        const { d: _private, ...publicJwk } = jwk;
        const pem = createPublicKey({ key: publicJwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
        return `Bearer ${await sign(claims('MIA'), new TextEncoder().encode(String(pem)), { alg: 'HS256', kid })}`;
      },
      /symmetric algorithm HS256/,
    ],
    [
      'an unknown kid',
      async () => {
        const { key } = await keyOf('MIA');
        return `Bearer ${await sign(claims('MIA'), key, { alg: 'EdDSA', kid: 'mia-never-issued' })}`;
      },
      /no key of the agency matches the token's key id/,
    ],
    ['an unknown agency', async () => `Bearer ${await signedBy('MIA', claims('MIA', { agency: 'XYZ' }))}`, /names no known agency/],
    ['an expired token', async () => `Bearer ${await signedBy('MIA', claims('MIA', { iat: now() - 600, exp: now() - 120 }))}`, /has expired/],
    ['a token not valid yet', async () => `Bearer ${await signedBy('MIA', claims('MIA', { nbf: now() + 120 }))}`, /not valid yet/],
    ['a token for another audience', async () => `Bearer ${await signedBy('MIA', claims('MIA', { aud: 'urn:az:other-service' }))}`, /another audience/],
    [
      "a token issued by another agency's issuer",
      async () => `Bearer ${await signedBy('MIA', claims('MIA', { iss: hub.policies.identity.issuerOf('SBS') }))}`,
      /issuer does not match/,
    ],
    ['a token without sub', async () => `Bearer ${await signedBy('MIA', claims('MIA', {}, 'sub'))}`, /"sub" claim/],
    ['a token without exp', async () => `Bearer ${await signedBy('MIA', claims('MIA', {}, 'exp'))}`, /"exp" claim/],
    ['a token without iat', async () => `Bearer ${await signedBy('MIA', claims('MIA', {}, 'iat'))}`, /"iat" claim/],
    [
      'a token issued longer ago than the maximum token age',
      async () => `Bearer ${await signedBy('MIA', claims('MIA', { iat: now() - hub.policies.identity.maxTokenAgeSeconds - 3600, exp: now() + 3600 }))}`,
      /issued too long ago/,
    ],
    ['a token without roles', async () => `Bearer ${await signedBy('MIA', claims('MIA', {}, 'roles'))}`, /roles must be a non-empty list/],
    ['a token with an empty role list', async () => `Bearer ${await signedBy('MIA', claims('MIA', { roles: [] }))}`, /roles must be a non-empty list/],
    ['a token with an unknown role', async () => `Bearer ${await signedBy('MIA', claims('MIA', { roles: ['admin'] }))}`, /names an unknown role/],
    ['a citizen token without a FİN', async () => `Bearer ${await signedBy('EGOV', claims('EGOV', { roles: ['citizen'] }))}`, /must carry the person's FİN/],
    [
      'a citizen token with a malformed FİN',
      async () => `Bearer ${await signedBy('EGOV', claims('EGOV', { roles: ['citizen'], fin: 'bad' }))}`,
      /must carry the person's FİN/,
    ],
    [
      'a citizen token with another role too',
      async () => `Bearer ${await signedBy('EGOV', claims('EGOV', { roles: ['citizen', 'officer'], fin }))}`,
      /carries no other role/,
    ],
  ];
  for (const [what, authorization, message] of attacks) {
    it(`refuses ${what} as UNAUTHENTICATED, saying which, and goes no further`, async () => {
      await assertRefused(await call(await authorization()), 401, 'UNAUTHENTICATED', message, what);
    });
  }

  describe('purpose', () => {
    it('refuses a missing or unknown purpose as bad input, naming the codes the caller may claim', async () => {
      for (const [purpose, problem] of [
        [null, /is missing/],
        ['curiosity', /is not a known purpose/],
      ] as const) {
        const res = await call(`Bearer ${await hub.token({ agency: 'MIA', roles: ['officer'] })}`, purpose);
        await assertRefused(res, 400, 'BAD_USER_INPUT', problem, String(purpose));
        assert.deepEqual(res.body.errors![0]!.extensions!['allowed'], MIA_OFFICER_PURPOSES);
        for (const code of MIA_OFFICER_PURPOSES) assert.ok(res.body.errors![0]!.message.includes(code), code);
      }
    });

    it('refuses a purpose outside the table as FORBIDDEN naming it: a citizen only self-access, an auditor only audit, a body only its own purposes', async () => {
      const cases = [
        [await hub.token({ agency: 'EGOV', roles: ['citizen'], fin }), 'border-control', ['self-access']],
        [await hub.token({ agency: 'MIA', roles: ['auditor'] }), 'identity-check', ['audit']],
        [await hub.token({ agency: 'MIA', roles: ['officer'] }), 'audit', MIA_OFFICER_PURPOSES],
        [await hub.token({ agency: 'MIA', roles: ['system'] }), 'self-access', MIA_OFFICER_PURPOSES],
        [await hub.token({ agency: 'MIA', roles: ['officer'] }), 'border-control', MIA_OFFICER_PURPOSES],
        [await hub.token({ agency: 'MOJ', roles: ['auditor'] }), 'audit', []],
      ] as const;
      for (const [token, purpose, allowed] of cases) {
        const res = await call(`Bearer ${token}`, purpose);
        await assertRefused(res, 403, 'FORBIDDEN', new RegExp(`^The purpose ${purpose} may not be claimed by [A-Z]+ as [a-z]+\\.`), purpose);
        assert.deepEqual(res.body.errors![0]!.extensions!['allowed'], allowed);
        assert.equal(res.body.errors![0]!.extensions!['purpose'], purpose);
      }
    });

    // İAMAS 5.6.4.7: only bodies with that authority by law; the use would be hidden from the person (R4, R6).
    it('refuses operative search to an officer of a body without that authority, and journals it as an attempt to exceed authority', async () => {
      const res = await call(`Bearer ${await hub.token({ agency: 'MLSP', roles: ['officer'], sub: 'mlsp-officer-3' })}`, 'operative-search');
      await assertRefused(res, 403, 'FORBIDDEN', /^The purpose operative-search may not be claimed by MLSP as officer\./, 'MLSP operative search');
      const { rows } = await db.query(
        'SELECT agency, sub, purpose, decision, reason, attempt_to_exceed_authority FROM audit.journal WHERE registration_number = $1',
        [res.body.extensions!.registrationNumber],
      );
      assert.deepEqual(rows, [
        { agency: 'MLSP', sub: 'mlsp-officer-3', purpose: 'operative-search', decision: 'refused', reason: 'FORBIDDEN', attempt_to_exceed_authority: true },
      ]);
      await assertServed(await call(`Bearer ${await hub.token({ agency: 'MNS', roles: ['officer'] })}`, 'operative-search'), 'MNS operative search');
    });

    it("accepts a case number of its purpose's format and refuses any other, naming the format", async () => {
      const token = `Bearer ${await hub.token({ agency: 'MIA', roles: ['officer'] })}`;
      await assertServed(await call(token, 'criminal-investigation', '241001234'), 'a criminal case number');
      // Enforcement proceedings are the Ministry of Justice's (Elektron icra 11.3).
      const enforcer = `Bearer ${await hub.token({ agency: 'MOJ', roles: ['officer'] })}`;
      await assertServed(await call(enforcer, 'enforcement-proceedings', 'IC-2024-0000012'), 'an enforcement case number');
      await assertServed(await call(token, 'identity-check', 'CASE-2024/17'), 'a plain identifier under a purpose with no format of its own');
      for (const caseNumber of ['CASE-2024/17', 'x'.repeat(65), 'a;DROP TABLE', '<script>']) {
        const res = await call(token, 'criminal-investigation', caseNumber);
        await assertRefused(
          res,
          400,
          'BAD_USER_INPUT',
          /X-Case-Number header under the purpose criminal-investigation must be a criminal case number of 9 to 12 digits/,
          caseNumber,
        );
      }
      await assertRefused(await call(token, 'identity-check', 'a;DROP TABLE'), 400, 'BAD_USER_INPUT', /X-Case-Number/, 'free text');
    });
  });

  describe('subgraphs trust only the gateway', () => {
    const callerOf = (registrationNumber: string): Caller => ({
      agency: 'MIA',
      sub: 'direct-caller',
      roles: ['officer'],
      purpose: 'identity-check',
      caseNumber: null,
      fin: null,
      level: 'unlimited',
      registrationNumber,
      searchLimit: 10,
    });
    async function direct(subgraph: string, query: string, assertion: string | null) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (assertion) headers['authorization'] = `Bearer ${assertion}`;
      const res = await fetch(hub.subgraphs.get(subgraph)!.url, { method: 'POST', headers, body: JSON.stringify({ query, variables: { fin } }) });
      return { status: res.status, body: (await res.json()) as GraphQLBody };
    }
    const PERSON = 'query($fin: ID!) { person(fin: $fin) { citizen { fin firstName } } }';

    it('answers a direct call without an assertion with nothing but UNAUTHENTICATED, on every subgraph', async () => {
      for (const name of hub.subgraphs.keys()) {
        const res = await direct(name, '{ _service { sdl } }', null);
        assert.equal(res.status, 401, name);
        assert.equal(res.body.data ?? null, null, name);
        assert.deepEqual(
          res.body.errors?.map((e) => e.extensions?.['code']),
          ['UNAUTHENTICATED'],
          name,
        );
      }
    });

    it("answers an expired, a forged or another subgraph's assertion with nothing but UNAUTHENTICATED", async () => {
      const gatewayKey = hub.options.signingKey;
      const forger = await importSigningKey({ ...(await createKeyPair('forger')).privateJwk, kid: gatewayKey.kid });
      const registrations = { valid: randomUUID(), expired: randomUUID(), forged: randomUUID(), otherAudience: randomUUID() };

      const valid = await direct('citizens', PERSON, await signCallerAssertion(gatewayKey, 'citizens', callerOf(registrations.valid)));
      assert.equal(valid.body.errors, undefined, 'the control assertion is accepted');
      assert.equal((valid.body.data?.['person'] as { citizen: { fin: string } }).citizen.fin, fin);
      assert.deepEqual(await hub.subgraphsCalled(registrations.valid), ['citizens']);

      const refused = {
        expired: await signCallerAssertion(gatewayKey, 'citizens', callerOf(registrations.expired), -120),
        forged: await signCallerAssertion(forger, 'citizens', callerOf(registrations.forged)),
        otherAudience: await signCallerAssertion(gatewayKey, 'appeals', callerOf(registrations.otherAudience)),
      };
      for (const [what, assertion] of Object.entries(refused)) {
        const res = await direct('citizens', PERSON, assertion);
        assert.equal(res.status, 401, what);
        assert.equal(res.body.data ?? null, null, what);
        assert.deepEqual(
          res.body.errors?.map((e) => e.extensions?.['code']),
          ['UNAUTHENTICATED'],
          what,
        );
        assert.deepEqual(await hub.subgraphsCalled(registrations[what as keyof typeof registrations]), [], what);
      }
    });
  });

  describe('npm run token', () => {
    const run = promisify(execFile);
    const env = () => ({ ...process.env, HUB_KEYS_DIR: hub.keysDir });

    it('prints a development token the hub accepts', async () => {
      const { stdout } = await run(
        process.execPath,
        [TOKEN_SCRIPT, '--agency', 'MIA', '--role', 'officer', '--sub', 'x', '--ttl', '60', '--acr', 'substantial'],
        {
          env: env(),
        },
      );
      const token = stdout.trim();
      assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
      await assertServed(await call(`Bearer ${token}`), 'npm run token');
      const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as JWTPayload;
      assert.equal(payload.sub, 'x');
      assert.equal(payload.exp! - payload.iat!, 60);
      assert.equal(payload['acr'], 'http://eidas.europa.eu/LoA/substantial');
    });

    it('binds a token to a key with --dpop-key (cnf.jkt, the key’s thumbprint) and refuses an unknown --acr', async () => {
      const { publicKey } = await generateKeyPair('ES256');
      const jwk = await exportJWK(publicKey);
      const file = join(mkdtempSync(join(tmpdir(), 'hub-dpop-key-')), 'client.jwk.json');
      writeFileSync(file, JSON.stringify(jwk));
      const { stdout } = await run(process.execPath, [TOKEN_SCRIPT, '--agency', 'SSPS', '--role', 'system', '--dpop-key', file], { env: env() });
      assert.deepEqual(decodeJwt(stdout.trim())['cnf'], { jkt: await calculateJwkThumbprint(jwk) });
      await assert.rejects(
        run(process.execPath, [TOKEN_SCRIPT, '--agency', 'MIA', '--acr', 'strong'], { env: env() }),
        (error: { code?: number; stderr?: string }) => {
          assert.equal(error.code, 2);
          assert.match(error.stderr ?? '', /--acr must be one of low, substantial, high/);
          return true;
        },
      );
    });

    it('exits with code 2 for an unknown agency', async () => {
      await assert.rejects(
        run(process.execPath, [TOKEN_SCRIPT, '--agency', 'XYZ', '--role', 'officer'], { env: env() }),
        (error: { code?: number; stderr?: string }) => {
          assert.equal(error.code, 2);
          assert.match(error.stderr ?? '', /--agency must be one of/);
          return true;
        },
      );
    });
  });

  // Last: the verifier re-reads a JWKS file at most every 5 s, counted from SMS's first use in before().
  it("accepts a key added to an agency's JWKS after its first use, found by kid, while the old key keeps working", async () => {
    await sleep(Math.max(0, smsFirstUsedAt + 5_500 - Date.now()));
    const token = await sign(claims('SMS'), rotated.privateKey, { alg: 'EdDSA', kid: rotated.kid });
    await assertServed(await call(`Bearer ${token}`), 'rotated key');
    await assertServed(await call(`Bearer ${await hub.token({ agency: 'SMS', roles: ['officer'] })}`), 'previous key');
  });
});
