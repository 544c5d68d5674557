import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLocalJWKSet, jwtVerify, SignJWT, type JSONWebKeySet } from 'jose';
import { createCallerVerifier, createKeyPair, importSigningKey, signCallerAssertion, type Caller, type SigningKey } from '../src/caller';

const caller: Caller = {
  agency: 'MIA',
  sub: 'officer-7',
  roles: ['officer'],
  purpose: 'identity-check',
  caseNumber: null,
  fin: null,
  level: 'restricted',
  registrationNumber: 'HUB-1',
  searchLimit: 10,
};

async function gatewayKeys(kid = 'gw-1'): Promise<{ key: SigningKey; jwks: JSONWebKeySet }> {
  const { privateJwk, publicJwks } = await createKeyPair(kid);
  return { key: await importSigningKey(privateJwk), jwks: publicJwks };
}

/** The assertion as jose would sign it. */
function joseAssertion(key: SigningKey, audience: string) {
  return new SignJWT({
    agency: caller.agency,
    roles: caller.roles,
    purpose: caller.purpose,
    caseNumber: null,
    fin: null,
    level: caller.level,
    reg: caller.registrationNumber,
    searchLimit: 10,
  })
    .setProtectedHeader({ alg: 'EdDSA', kid: key.kid })
    .setIssuer('hub-gateway')
    .setAudience(audience)
    .setSubject(caller.sub)
    .setIssuedAt()
    .setExpirationTime('60s')
    .sign(key.privateKey);
}

async function refusal(verify: ReturnType<typeof createCallerVerifier>, token: string): Promise<string> {
  try {
    await verify(`Bearer ${token}`);
  } catch (error) {
    assert.equal((error as { extensions?: { code?: string } }).extensions?.code, 'UNAUTHENTICATED');
    return (error as Error).message;
  }
  assert.fail('the assertion was accepted');
}

describe('caller assertions', () => {
  it('signs with node:crypto a JWS that jose verifies, with the claims of the caller', async () => {
    const { key, jwks } = await gatewayKeys();
    const token = await signCallerAssertion(key, 'citizens', caller, 60);
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(jwks), {
      issuer: 'hub-gateway',
      audience: 'citizens',
      algorithms: ['EdDSA'],
    });
    assert.deepEqual(protectedHeader, { alg: 'EdDSA', kid: 'gw-1' });
    assert.equal(payload.exp! - payload.iat!, 60);
    assert.deepEqual(
      { ...payload, iat: 0, exp: 0 },
      {
        agency: 'MIA',
        roles: ['officer'],
        purpose: 'identity-check',
        caseNumber: null,
        fin: null,
        level: 'restricted',
        reg: 'HUB-1',
        searchLimit: 10,
        iss: 'hub-gateway',
        aud: 'citizens',
        sub: 'officer-7',
        iat: 0,
        exp: 0,
      },
    );
  });

  it('accepts what jose signs as well as what it signs itself', async () => {
    const { key, jwks } = await gatewayKeys();
    const verify = createCallerVerifier('citizens', jwks);
    assert.deepEqual(await verify(`Bearer ${await joseAssertion(key, 'citizens')}`), caller);
    assert.deepEqual(await verify(`Bearer ${await signCallerAssertion(key, 'citizens', caller)}`), caller);
  });

  it('refuses another audience, an expired assertion, a foreign key, another algorithm and a changed payload', async () => {
    const { key, jwks } = await gatewayKeys();
    const verify = createCallerVerifier('citizens', jwks);
    assert.match(await refusal(verify, await signCallerAssertion(key, 'appeals', caller)), /ERR_JWT_CLAIM_VALIDATION_FAILED/);
    assert.match(await refusal(verify, await signCallerAssertion(key, 'citizens', caller, -120)), /ERR_JWT_EXPIRED/);
    const forger = (await gatewayKeys('gw-1')).key;
    assert.match(await refusal(verify, await signCallerAssertion(forger, 'citizens', caller)), /ERR_JWS_SIGNATURE_VERIFICATION_FAILED/);
    assert.match(await refusal(verify, await signCallerAssertion((await gatewayKeys('other')).key, 'citizens', caller)), /ERR_JWKS_NO_MATCHING_KEY/);
    const hmac = await new SignJWT({ level: 'unlimited' })
      .setProtectedHeader({ alg: 'HS256', kid: 'gw-1' })
      .setIssuer('hub-gateway')
      .setAudience('citizens')
      .setIssuedAt()
      .setExpirationTime('60s')
      .sign(new TextEncoder().encode('a shared secret of at least 32 bytes!'));
    assert.match(await refusal(verify, hmac), /ERR_JOSE_ALG_NOT_ALLOWED/);
    const [header, , signature] = (await signCallerAssertion(key, 'citizens', caller)).split('.');
    const unlimited = Buffer.from(JSON.stringify({ ...caller, level: 'unlimited', iss: 'hub-gateway', aud: 'citizens', iat: 1, exp: 9_999_999_999 })).toString(
      'base64url',
    );
    assert.match(await refusal(verify, `${header}.${unlimited}.${signature}`), /ERR_JWS_SIGNATURE_VERIFICATION_FAILED/);
    assert.match(await refusal(verify, 'not.a-token'), /ERR_JWS_INVALID/);
    await assert.rejects(verify(undefined), /no gateway assertion/);
  });

  it('keeps a verified assertion until it expires, then refuses it', async () => {
    const { key, jwks } = await gatewayKeys();
    let clock = Date.now();
    const verify = createCallerVerifier('citizens', jwks, () => clock);
    const token = await signCallerAssertion(key, 'citizens', caller, 30);
    const first = await verify(`Bearer ${token}`);
    assert.equal(await verify(`Bearer ${token}`), first, 'the second presentation is served from the cache');
    assert.throws(
      () => {
        (first as { level: string }).level = 'unlimited';
      },
      TypeError,
      'a cached caller cannot be changed',
    );
    clock += 40_000;
    assert.match(await refusal(verify, token), /ERR_JWT_EXPIRED/);
  });
});
