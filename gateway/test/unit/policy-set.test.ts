import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createKeyPair } from '@hub/kit';
import type { JSONWebKeySet } from 'jose';
import { loadPolicySet, policySetFiles, policySetHash, SUPERGRAPH_NAME, type PolicySet } from '../../src/policy/policy-set';
import { checkPolicySignature, policyKeyPaths, signPolicySet, verifyPolicySet } from '../../src/policy/policy-signature';

const ROOT = resolve(__dirname, '../../../..');
const POLICIES_DIR = join(ROOT, 'policies');
const SUPERGRAPH = join(ROOT, 'schema/supergraph.graphql');
const KEYS_DIR = '/nonexistent-keys';

const made: string[] = [];
after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A copy of the repository's set: policies/ and the supergraph, in a folder of its own. */
function copyOfSet(): { policiesDir: string; supergraphPath: string } {
  const dir = mkdtempSync(join(tmpdir(), 'hub-policy-set-'));
  made.push(dir);
  cpSync(POLICIES_DIR, join(dir, 'policies'), { recursive: true });
  cpSync(SUPERGRAPH, join(dir, 'composed.graphql'));
  return { policiesDir: join(dir, 'policies'), supergraphPath: join(dir, 'composed.graphql') };
}

const hashOf = (set: { policiesDir: string; supergraphPath: string }) => policySetHash(policySetFiles(set.policiesDir, set.supergraphPath));

describe('the policy set and its hash', () => {
  it('is the SHA-256 of `sha256sum`-style lines, one per file, sorted by name', () => {
    const files = policySetFiles(POLICIES_DIR, SUPERGRAPH);
    assert.ok(files.some((f) => f.name === 'policies/access-matrix.json'));
    assert.ok(files.some((f) => f.name.startsWith('policies/operations/')));
    const supergraph = files.find((f) => f.name === SUPERGRAPH_NAME);
    assert.equal(supergraph?.sha256, createHash('sha256').update(readFileSync(SUPERGRAPH)).digest('hex'));
    const lines = files.map((f) => `${f.sha256}  ${f.name}\n`).join('');
    assert.equal(policySetHash(files), createHash('sha256').update(lines).digest('hex'));
  });

  it('does not depend on the order of the files or on where the set lies', () => {
    const files = policySetFiles(POLICIES_DIR, SUPERGRAPH);
    assert.equal(policySetHash([...files].reverse()), policySetHash(files));
    assert.equal(hashOf(copyOfSet()), policySetHash(files));
  });

  it('changes with any byte of any file, a file added, or the supergraph', () => {
    const original = hashOf(copyOfSet());
    const altered = copyOfSet();
    appendFileSync(join(altered.policiesDir, 'access-matrix.json'), '\n');
    assert.notEqual(hashOf(altered), original);
    const added = copyOfSet();
    writeFileSync(join(added.policiesDir, 'operations/MIA/another.graphql'), 'query another { __typename }');
    assert.notEqual(hashOf(added), original);
    const supergraph = copyOfSet();
    appendFileSync(supergraph.supergraphPath, '\n');
    assert.notEqual(hashOf(supergraph), original);
  });

  it("leaves out names starting with a dot (a Kubernetes ConfigMap's ..data folders)", () => {
    const set = copyOfSet();
    const original = hashOf(set);
    mkdirSync(join(set.policiesDir, '..2026_12_07'));
    writeFileSync(join(set.policiesDir, '..2026_12_07', 'roles.json'), '{}');
    assert.equal(hashOf(set), original);
  });

  it('loads and checks the whole set as one frozen object with its hash', () => {
    const set = loadPolicySet({ policiesDir: POLICIES_DIR, supergraphPath: SUPERGRAPH, keysDir: KEYS_DIR, subgraphUrls: {} });
    assert.equal(set.sha256, policySetHash(policySetFiles(POLICIES_DIR, SUPERGRAPH)));
    assert.ok(Object.isFrozen(set) && Object.isFrozen(set.files));
    assert.ok(set.policies.agencies.has('MIA'));
    assert.ok(set.operations.operations.length > 0);
    assert.ok(set.supergraph.subgraphs.some((s) => s.name === 'citizens'));
  });

  it('refuses a set that changed while it was being loaded, naming the file', () => {
    const set = copyOfSet();
    // Linux's count of the bytes this process has read: it grows with the loading itself, so the file reads differently after.
    symlinkSync('/proc/self/io', join(set.policiesDir, 'notes.txt'));
    assert.throws(
      () => loadPolicySet({ ...set, keysDir: KEYS_DIR, subgraphUrls: {} }),
      /the policy set changed while it was being loaded \(policies\/notes\.txt\)/,
    );
  });

  it("runs the registered operations' check: an operation the supergraph cannot serve stops the load naming it", () => {
    const set = copyOfSet();
    writeFileSync(join(set.policiesDir, 'operations/MIA/broken.graphql'), 'query broken { noSuchField }');
    assert.throws(
      () => loadPolicySet({ ...set, keysDir: KEYS_DIR, subgraphUrls: {} }),
      /operations\/MIA\/broken\.graphql \(agency MIA, operation MIA\/broken\): does not validate/,
    );
  });

  it('refuses a SUBGRAPH_URL_ override for a subgraph the supergraph does not have', () => {
    assert.throws(
      () =>
        loadPolicySet({ policiesDir: POLICIES_DIR, supergraphPath: SUPERGRAPH, keysDir: KEYS_DIR, subgraphUrls: { citizen: 'http://127.0.0.1:1/graphql' } }),
      /SUBGRAPH_URL_CITIZEN: the supergraph has no subgraph "citizen"/,
    );
  });
});

describe("the policy set's signature", () => {
  const load = (set: { policiesDir: string; supergraphPath: string }): PolicySet => loadPolicySet({ ...set, keysDir: KEYS_DIR, subgraphUrls: {} });

  /** A key pair in a keys folder of its own: the public JWKS where the gateway looks, the private key returned. */
  async function policyKey() {
    const keysDir = mkdtempSync(join(tmpdir(), 'hub-policy-keys-'));
    made.push(keysDir);
    const { privateJwk, publicJwks } = await createKeyPair('policy-test-1');
    const paths = policyKeyPaths(keysDir);
    writeFileSync(paths.jwks, JSON.stringify(publicJwks));
    return { privateJwk, files: { signaturePath: paths.signature, jwksPath: paths.jwks } };
  }

  it('accepts a set signed with the policy key', async () => {
    const { privateJwk, files } = await policyKey();
    const set = load(copyOfSet());
    writeFileSync(files.signaturePath, `${await signPolicySet(set, privateJwk)}\n`);
    assert.equal(await checkPolicySignature(set, files), 'policy-test-1');
  });

  it('is a detached JWS: header, empty payload, signature', async () => {
    const { privateJwk } = await policyKey();
    const jws = await signPolicySet(load(copyOfSet()), privateJwk);
    assert.match(jws, /^[\w-]+\.\.[\w-]+$/);
  });

  it('refuses a set altered after signing, naming the file that changed', async () => {
    const { privateJwk, files } = await policyKey();
    const sources = copyOfSet();
    writeFileSync(files.signaturePath, await signPolicySet(load(sources), privateJwk));
    // Still valid JSON: only the signature can tell.
    appendFileSync(join(sources.policiesDir, 'access-matrix.json'), '\n');
    await assert.rejects(
      checkPolicySignature(load(sources), files),
      /POLICY_SIGNATURE_PATH=".*policy-set\.jws": refused: the set \(sha256 [0-9a-f]{64}\) is not the one signed \(sha256 [0-9a-f]{64}\): policies\/access-matrix\.json changed/,
    );
  });

  it('names a file added to or removed from the set signed', async () => {
    const { privateJwk, files: keyFiles } = await policyKey();
    const signed = load(copyOfSet());
    const jws = await signPolicySet(signed, privateJwk);
    const files = [...signed.files.filter((f) => f.name !== 'policies/roles.json'), { name: 'policies/extra.json', sha256: '0'.repeat(64) }];
    await assert.rejects(
      verifyPolicySet({ sha256: policySetHash(files), files }, jws, JSON.parse(readFileSync(keyFiles.jwksPath, 'utf8')) as JSONWebKeySet),
      /policies\/extra\.json added, policies\/roles\.json removed/,
    );
  });

  it('refuses an unsigned set, naming the signature file it looked for', async () => {
    const { files } = await policyKey();
    await assert.rejects(
      checkPolicySignature(load(copyOfSet()), files),
      /POLICY_SIGNATURE_PATH=".*policy-set\.jws": the policy set \(sha256 [0-9a-f]{64}\) is not signed/,
    );
  });

  it('accepts a signature by either key while both are in the JWKS (rotating the policy key)', async () => {
    const old = await policyKey();
    const next = await createKeyPair('policy-test-2');
    const jwks = JSON.parse(readFileSync(old.files.jwksPath, 'utf8')) as JSONWebKeySet;
    writeFileSync(old.files.jwksPath, JSON.stringify({ keys: [...jwks.keys, ...next.publicJwks.keys] }));
    const set = load(copyOfSet());
    for (const [key, kid] of [
      [old.privateJwk, 'policy-test-1'],
      [next.privateJwk, 'policy-test-2'],
    ] as const) {
      writeFileSync(old.files.signaturePath, await signPolicySet(set, key));
      assert.equal(await checkPolicySignature(set, old.files), kid);
    }
  });

  it('refuses a set signed with another key', async () => {
    const { files } = await policyKey();
    const other = await policyKey();
    const set = load(copyOfSet());
    writeFileSync(files.signaturePath, await signPolicySet(set, other.privateJwk));
    await assert.rejects(checkPolicySignature(set, files), /refused: the signature does not verify with the policy key/);
  });

  it('refuses a signature that is not detached, and a JWS of another type', async () => {
    const { privateJwk, files } = await policyKey();
    const set = load(copyOfSet());
    const [header, , signature] = (await signPolicySet(set, privateJwk)).split('.');
    writeFileSync(files.signaturePath, `${header}.${Buffer.from(set.sha256).toString('base64url')}.${signature}`);
    await assert.rejects(checkPolicySignature(set, files), /not a detached JWS/);
    const otherType = Buffer.from(JSON.stringify({ alg: 'EdDSA', kid: 'policy-test-1', typ: 'JWT' })).toString('base64url');
    writeFileSync(files.signaturePath, `${otherType}..${signature}`);
    await assert.rejects(checkPolicySignature(set, files), /not a policy set's signature \(typ "JWT"/);
  });

  it('refuses without the policy key, naming POLICY_JWKS_PATH', async () => {
    const { files } = await policyKey();
    await assert.rejects(
      checkPolicySignature(load(copyOfSet()), { ...files, jwksPath: '/nonexistent/policy.jwks.json' }),
      /POLICY_JWKS_PATH="\/nonexistent\/policy\.jwks\.json": the policy key is missing or unreadable/,
    );
  });
});
