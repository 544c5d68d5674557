import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { calculateJwkThumbprint, decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { createHash, randomUUID } from 'node:crypto';
import { ASSURANCE_LEVELS, meets } from '../../src/identity/assurance';
import { signDevelopmentToken } from '../../src/identity/keys';
import { loadPolicies, PolicyError } from '../../src/policy/policies';
import { normaliseOperation, operationIdOf } from '../../src/policy/operation-registry';
import { SMALL_OPERATIONS, SMALL_WORLD_URL, smallPolicies, smallWorld } from '../support/world';

const REPO_POLICIES = resolve(__dirname, '../../../../policies');
const EIDAS = (level: string) => `http://eidas.europa.eu/LoA/${level}`;
const QUERY = '{ person(fin: "A") { name } }';
const answered = () => ({ data: { person: null } });
const ENFORCE = { purpose: 'enforce', respond: answered };

describe('assurance levels (R13)', () => {
  it('orders the levels low < substantial < high', () => {
    assert.deepEqual(ASSURANCE_LEVELS, ['low', 'substantial', 'high']);
    const table = ASSURANCE_LEVELS.map((level) => ASSURANCE_LEVELS.map((least) => meets(level, least)));
    assert.deepEqual(table, [
      [true, false, false],
      [true, true, false],
      [true, true, true],
    ]);
  });

  it("reads a token's acr through the body's table: its own values to levels, anything else low", async () => {
    const world = await smallWorld();
    const { identity } = world.policies;
    assert.equal(identity.assuranceOf('AAA', EIDAS('high')), 'high');
    assert.equal(identity.assuranceOf('AAA', EIDAS('substantial')), 'substantial');
    assert.equal(identity.assuranceOf('AAA', 'high'), 'low', 'a level name is not one of the body’s acr values');
    assert.equal(identity.assuranceOf('AAA', undefined), 'low');
    assert.equal(identity.assuranceOf('AAA', ['high']), 'low');
    const verifier = world.deps.identity;
    for (const level of ASSURANCE_LEVELS) {
      const token = await world.token({ agency: 'AAA', assurance: level });
      assert.equal(decodeJwt(token)['acr'], EIDAS(level));
      assert.equal((await verifier.verify(`Bearer ${token}`)).assurance, level);
    }
    const none = await signDevelopmentToken(world.keysDir, identity, { agency: 'AAA', roles: ['officer'] });
    assert.equal(decodeJwt(none)['acr'], undefined);
    assert.equal((await verifier.verify(`Bearer ${none}`)).assurance, 'low');
  });

  it('takes a body’s own acr table over the defaults, and refuses a table naming an unknown level', () => {
    const keysDir = mkdtempSync(join(tmpdir(), 'hub-unit-keys-'));
    const { dir } = smallPolicies(keysDir);
    const file = join(dir, 'identity-providers.json');
    const idp = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    writeFileSync(file, JSON.stringify({ ...idp, overrides: { BBB: { acr: { 'urn:bbb:card': 'high' } } } }));
    const policies = loadPolicies(dir, keysDir);
    assert.equal(policies.identity.assuranceOf('BBB', 'urn:bbb:card'), 'high');
    assert.equal(policies.identity.assuranceOf('BBB', EIDAS('high')), 'low');
    assert.equal(policies.identity.assuranceOf('AAA', EIDAS('high')), 'high');
    assert.deepEqual(policies.identity.acrValuesOf('BBB', 'high'), ['urn:bbb:card']);
    writeFileSync(file, JSON.stringify({ ...idp, overrides: { BBB: { acr: { 'urn:bbb:card': 'very-high' } } } }));
    assert.throws(
      () => loadPolicies(dir, keysDir),
      (e: Error) => e instanceof PolicyError && /overrides\.BBB\.acr\.urn:bbb:card must be one of low, substantial, high/.test(e.message),
    );
  });

  it('requires every purpose to state its least level and why, at start', () => {
    const keysDir = mkdtempSync(join(tmpdir(), 'hub-unit-keys-'));
    const { dir } = smallPolicies(keysDir);
    const file = join(dir, 'purposes.json');
    const purposes = JSON.parse(readFileSync(file, 'utf8')) as { purposes: Record<string, Record<string, unknown>> };
    const { assurance: _level, ...check } = purposes.purposes['check']!;
    writeFileSync(file, JSON.stringify({ purposes: { ...purposes.purposes, check } }));
    assert.throws(() => loadPolicies(dir, keysDir), /purposes\.json: check\.assurance must be one of low, substantial, high, not undefined/);
    const { assuranceSource: _source, ...unsourced } = purposes.purposes['check']!;
    writeFileSync(file, JSON.stringify({ purposes: { ...purposes.purposes, check: unsourced } }));
    assert.throws(() => loadPolicies(dir, keysDir), /purposes\.json: check\.assuranceSource must be a non-empty string/);
  });

  it('gives the repository’s purposes the levels the law asks: high for operative search, criminal investigation, enforcement and audit', () => {
    const keysDir = mkdtempSync(join(tmpdir(), 'hub-unit-keys-'));
    const policies = loadPolicies(REPO_POLICIES, keysDir);
    const levels = Object.fromEntries([...policies.purposes].map(([code, p]) => [code, p.assurance]));
    assert.equal(levels['identity-check'], 'substantial');
    assert.equal(levels['operative-search'], 'high');
    assert.equal(levels['criminal-investigation'], 'high');
    assert.equal(levels['enforcement-proceedings'], 'high');
    assert.equal(levels['audit'], 'high');
    assert.equal(levels['self-access'], 'substantial');
    assert.deepEqual(policies.identity.acrValuesOf('MIA', 'high'), [EIDAS('high')]);
    assert.equal(policies.identity.senderConstraintOf('SSPS'), 'dpop');
    assert.equal(policies.identity.senderConstraintOf('MIA'), null);
  });
});

describe('STEP_UP_REQUIRED', () => {
  it('refuses a person signed in below the purpose’s level, naming it, journaled as a refusal but not as exceeding authority', async () => {
    const world = await smallWorld();
    const token = await world.token({ agency: 'AAA', assurance: 'substantial' });
    const { result, executed, entry } = await world.run(QUERY, { ...ENFORCE, token });
    assert.equal(result.status, 401);
    const error = result.body.errors?.[0];
    assert.equal(error?.extensions?.['code'], 'STEP_UP_REQUIRED');
    assert.equal(error?.extensions?.['requiredAssurance'], 'high');
    assert.match(error?.message ?? '', /enforce needs a sign-in at assurance level high; this one is substantial/);
    assert.equal(result.headers['www-authenticate'], `Bearer error="insufficient_user_authentication", acr_values="${EIDAS('high')}"`);
    assert.equal(executed, null);
    assert.equal(entry?.decision, 'refused');
    assert.equal(entry?.reason, 'STEP_UP_REQUIRED');
    assert.equal(entry?.purpose, 'enforce');
    assert.equal(entry?.attemptToExceedAuthority, false);
  });

  it('serves the same person at the level, or above it, and a purpose that needs less at any level', async () => {
    const world = await smallWorld();
    assert.equal((await world.run(QUERY, { ...ENFORCE, token: await world.token({ agency: 'AAA', assurance: 'high' }) })).result.status, 200);
    const low = await world.token({ agency: 'AAA', assurance: 'low' });
    assert.equal((await world.run(QUERY, { respond: answered, purpose: 'check', token: low })).result.status, 200);
  });

  it('does not hold a machine (system) token to a sign-in level: no person signed in', async () => {
    const world = await smallWorld();
    const system = await signDevelopmentToken(world.keysDir, world.policies.identity, { agency: 'AAA', roles: ['system'] });
    // A system runs its body's registered operations.
    const documentId = operationIdOf(normaliseOperation(SMALL_OPERATIONS['AAA/personName']!));
    const served = await world.run('', { ...ENFORCE, token: system, body: { documentId, variables: { fin: 'A' } } });
    assert.equal(served.result.status, 200, JSON.stringify(served.result.body));
    // A person's role beside it brings the person's rule back.
    const mixed = await signDevelopmentToken(world.keysDir, world.policies.identity, { agency: 'AAA', roles: ['system', 'officer'], assurance: 'low' });
    assert.equal((await world.run(QUERY, { ...ENFORCE, token: mixed })).result.body.errors?.[0]?.extensions?.['code'], 'STEP_UP_REQUIRED');
  });

  it('answers FORBIDDEN, not a step-up, when the body may not claim the purpose at all', async () => {
    const world = await smallWorld();
    const token = await world.token({ agency: 'BBB', assurance: 'low' });
    const { result, entry } = await world.run(QUERY, { ...ENFORCE, token });
    assert.equal(result.body.errors?.[0]?.extensions?.['code'], 'FORBIDDEN');
    assert.equal(entry?.attemptToExceedAuthority, true);
  });

  it('challenges a DPoP caller in its own scheme', async () => {
    const now = Date.now();
    const world = await smallWorld({ dpop: ['AAA'], now: () => now });
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwk = await exportJWK(publicKey);
    const token = await world.token({ agency: 'AAA', assurance: 'substantial', jkt: await calculateJwkThumbprint(jwk) });
    const proof = await new SignJWT({
      htm: 'POST',
      htu: `${SMALL_WORLD_URL}/graphql`,
      ath: createHash('sha256').update(token).digest('base64url'),
      jti: randomUUID(),
      iat: Math.floor(now / 1000),
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk })
      .sign(privateKey);
    const { result } = await world.run(QUERY, { ...ENFORCE, token: null, headers: { authorization: `DPoP ${token}`, dpop: proof } });
    assert.equal(result.body.errors?.[0]?.extensions?.['code'], 'STEP_UP_REQUIRED');
    assert.equal(result.headers['www-authenticate'], `DPoP error="insufficient_user_authentication", acr_values="${EIDAS('high')}"`);
  });
});
