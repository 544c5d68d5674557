import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { Client } from 'pg';
import request from 'supertest';
import { demoPeople } from '@hub/kit/synthetic';
import { sharedTestHub, TEST_HUB_URL, type TestHub } from '../../src/hub';

/**
 * R13 through the whole hub: SSPS's tokens are DPoP-bound (identity-providers.json), so its
 * token is served only with a proof of this request; a person signed in below a purpose's level
 * gets STEP_UP_REQUIRED. Each refusal is in the central journal.
 */
describe('assurance levels and DPoP (R13)', () => {
  let hub: TestHub;
  let db: Client;
  let fin: string;
  let key: { privateKey: CryptoKey; jwk: JWK; jkt: string };

  before(async () => {
    hub = await sharedTestHub('assurance');
    db = new Client({ connectionString: hub.database.url });
    await db.connect();
    fin = demoPeople(hub.population).find((p) => p.case === 'citizen-full')!.fin;
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwk = await exportJWK(publicKey);
    key = { privateKey, jwk, jkt: await calculateJwkThumbprint(jwk) };
  });
  after(async () => {
    await db.end();
  });

  const QUERY = 'query($fin: ID!) { person(fin: $fin) { fin } }';

  async function journalOf(res: request.Response) {
    const { rows } = await db.query<{
      decision: string;
      reason: string | null;
      attempt_to_exceed_authority: boolean;
      agency: string | null;
      purpose: string | null;
    }>('SELECT decision, reason, attempt_to_exceed_authority, agency, purpose FROM audit.journal WHERE registration_number = $1', [
      res.headers['x-registration-number'],
    ]);
    assert.equal(rows.length, 1);
    return rows[0]!;
  }

  function post(authorization: string, headers: Record<string, string> = {}, purpose = 'identity-check') {
    return request(hub.gateway.server)
      .post('/graphql')
      .set('content-type', 'application/json')
      .set('authorization', authorization)
      .set('x-purpose', purpose)
      .set(headers)
      .send({ query: QUERY, variables: { fin } });
  }

  const proofFor = (token: string) =>
    new SignJWT({
      htm: 'POST',
      htu: `${TEST_HUB_URL}/graphql`,
      ath: createHash('sha256').update(token).digest('base64url'),
      jti: randomUUID(),
      iat: Math.floor(Date.now() / 1000),
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: key.jwk })
      .sign(key.privateKey);

  it("refuses SSPS's DPoP-bound token without its proof, journaled; serves it with one, once", async () => {
    const token = await hub.token({ agency: 'SSPS', roles: ['officer'], jkt: key.jkt });
    const bare = await post(`DPoP ${token}`);
    assert.equal(bare.status, 401);
    assert.equal(bare.body.errors[0].extensions.code, 'UNAUTHENTICATED');
    assert.match(bare.headers['www-authenticate'] ?? '', /^DPoP error="invalid_dpop_proof"/);
    assert.deepEqual(await journalOf(bare), { decision: 'refused', reason: 'UNAUTHENTICATED', attempt_to_exceed_authority: true, agency: null, purpose: null });

    const proof = await proofFor(token);
    const served = await post(`DPoP ${token}`, { dpop: proof });
    assert.equal(served.status, 200, JSON.stringify(served.body));
    assert.equal(served.body.data.person.fin, fin);
    assert.deepEqual(await journalOf(served), {
      decision: 'allowed',
      reason: null,
      attempt_to_exceed_authority: false,
      agency: 'SSPS',
      purpose: 'identity-check',
    });

    // The same proof again is a replay.
    const replayed = await post(`DPoP ${token}`, { dpop: proof });
    assert.equal(replayed.status, 401);
    assert.match(replayed.body.errors[0].message, /used before/);
    assert.equal((await journalOf(replayed)).reason, 'UNAUTHENTICATED');
  });

  it('asks an officer signed in at substantial to step up for operative search, journaled as a refusal under that purpose', async () => {
    const token = await hub.token({ agency: 'MIA', roles: ['officer'], assurance: 'substantial' });
    const res = await post(`Bearer ${token}`, {}, 'operative-search');
    assert.equal(res.status, 401);
    assert.equal(res.body.errors[0].extensions.code, 'STEP_UP_REQUIRED');
    assert.equal(res.body.errors[0].extensions.requiredAssurance, 'high');
    assert.equal(res.headers['www-authenticate'], 'Bearer error="insufficient_user_authentication", acr_values="http://eidas.europa.eu/LoA/high"');
    assert.deepEqual(await journalOf(res), {
      decision: 'refused',
      reason: 'STEP_UP_REQUIRED',
      attempt_to_exceed_authority: false,
      agency: 'MIA',
      purpose: 'operative-search',
    });
    // The same officer's identity check needs only substantial.
    assert.equal((await post(`Bearer ${token}`)).status, 200);
  });
});
