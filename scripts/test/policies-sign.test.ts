import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { checkPolicySignature, loadPolicySet, policyKeyPaths } from '@hub/gateway';
import { signPolicies } from '../src/policies-sign';
import { ROOT } from '../src/processes';

/** `npm run policies:sign`: a key pair on request, a signature the gateway's check accepts, nothing for a set that fails a check. */
const made: string[] = [];
after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function workspace() {
  const dir = mkdtempSync(join(tmpdir(), 'hub-policies-sign-'));
  made.push(dir);
  cpSync(resolve(ROOT, 'policies'), join(dir, 'policies'), { recursive: true });
  const env = { HUB_KEYS_DIR: join(dir, 'keys'), POLICIES_DIR: join(dir, 'policies'), SUPERGRAPH_PATH: resolve(ROOT, 'schema/supergraph.graphql') };
  return { dir, env, paths: policyKeyPaths(env.HUB_KEYS_DIR) };
}

describe('npm run policies:sign', () => {
  it('makes a key pair with --new-key and writes a signature the gateway accepts', async () => {
    const { env, paths } = workspace();
    const signed = await signPolicies(env, { newKey: true });
    assert.equal(signed.signaturePath, paths.signature);
    assert.equal(statSync(paths.privateJwk).mode & 0o077, 0, 'the signing key is readable by its owner only');
    const set = loadPolicySet({ policiesDir: env.POLICIES_DIR, supergraphPath: env.SUPERGRAPH_PATH, keysDir: env.HUB_KEYS_DIR, subgraphUrls: {} });
    assert.equal(signed.sha256, set.sha256);
    assert.equal(await checkPolicySignature(set, { signaturePath: paths.signature, jwksPath: paths.jwks }), signed.kid);
  });

  it('signs again with the same key, and never replaces a key', async () => {
    const { env, paths } = workspace();
    await signPolicies(env, { newKey: true });
    const key = readFileSync(paths.privateJwk, 'utf8');
    writeFileSync(join(env.POLICIES_DIR, 'access-matrix.json'), `${readFileSync(join(env.POLICIES_DIR, 'access-matrix.json'), 'utf8')}\n`);
    const again = await signPolicies(env, { newKey: false });
    const set = loadPolicySet({ policiesDir: env.POLICIES_DIR, supergraphPath: env.SUPERGRAPH_PATH, keysDir: env.HUB_KEYS_DIR, subgraphUrls: {} });
    assert.equal(again.sha256, set.sha256);
    await assert.rejects(signPolicies(env, { newKey: true }), /--new-key: .*policy-signing\.private\.jwk\.json exists/);
    assert.equal(readFileSync(paths.privateJwk, 'utf8'), key);
  });

  it('without a key, says how to make one', async () => {
    const { env } = workspace();
    await assert.rejects(
      signPolicies(env, { newKey: false }),
      /POLICY_SIGNING_KEY=".*policy-signing\.private\.jwk\.json": the policy signing key is missing .*--new-key/,
    );
  });

  it('does not sign a set that fails the gateway checks', async () => {
    const { env, paths } = workspace();
    writeFileSync(join(env.POLICIES_DIR, 'operations/MIA/broken.graphql'), 'query broken { noSuchField }');
    await assert.rejects(signPolicies(env, { newKey: true }), /operations\/MIA\/broken\.graphql/);
    assert.equal(existsSync(paths.signature), false);
  });
});
