import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { createKeyPair, EnvReader, type Environment } from '@hub/kit';
import { loadPolicySet, policyKeyPaths, signPolicySet } from '@hub/gateway';
import type { JWK } from 'jose';
import { operatorConfig } from './config';
import { ROOT } from './processes';

/**
 * `npm run policies:sign [-- --new-key]`: checks the policy set (POLICIES_DIR and SUPERGRAPH_PATH)
 * as the gateway does at start and signs its hash with the policy signing key
 * (POLICY_SIGNING_KEY), writing the detached JWS to POLICY_SIGNATURE_PATH. A set that fails a
 * check is not signed. `--new-key` first makes a key pair: the private key at POLICY_SIGNING_KEY,
 * the public JWKS the gateway verifies with at POLICY_JWKS_PATH; an existing key is never replaced.
 */
export interface SignedSet {
  sha256: string;
  kid: string;
  signaturePath: string;
}

export async function signPolicies(env: Environment, options: { newKey: boolean }): Promise<SignedSet> {
  const read = new EnvReader(env);
  const { keysDir, policiesDir } = operatorConfig(env);
  const defaults = policyKeyPaths(keysDir);
  const keyPath = read.path('POLICY_SIGNING_KEY', defaults.privateJwk, ROOT);
  const signaturePath = read.path('POLICY_SIGNATURE_PATH', defaults.signature, ROOT);
  // Only a set that passes the gateway's own checks is signed.
  const set = loadPolicySet({
    policiesDir,
    supergraphPath: read.path('SUPERGRAPH_PATH', 'schema/supergraph.graphql', ROOT),
    keysDir,
    subgraphUrls: {},
  });
  if (options.newKey) {
    const jwksPath = read.path('POLICY_JWKS_PATH', defaults.jwks, ROOT);
    if (existsSync(keyPath)) throw new Error(`--new-key: ${keyPath} exists; a policy key is never replaced silently (move it away first)`);
    const { privateJwk, publicJwks } = await createKeyPair(`policy-${new Date().toISOString().slice(0, 10)}-${Date.now().toString(36)}`);
    for (const path of [keyPath, jwksPath]) mkdirSync(dirname(path), { recursive: true });
    writeFileSync(keyPath, JSON.stringify(privateJwk), { mode: 0o600 });
    writeFileSync(jwksPath, `${JSON.stringify(publicJwks, null, 2)}\n`);
  }
  let privateJwk: JWK;
  try {
    privateJwk = JSON.parse(readFileSync(keyPath, 'utf8')) as JWK;
  } catch (error) {
    throw new Error(
      `POLICY_SIGNING_KEY=${JSON.stringify(keyPath)}: the policy signing key is missing or unreadable (make one with --new-key): ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  mkdirSync(dirname(signaturePath), { recursive: true });
  writeFileSync(signaturePath, `${await signPolicySet(set, privateJwk)}\n`);
  return { sha256: set.sha256, kid: privateJwk.kid ?? '', signaturePath };
}

/**
 * Copies a policy set to `to` without people's sign-in (its `signIn` section): a hub for ministry
 * systems only, which a production gateway starts without any OpenID provider to reach. For sets
 * that run where no provider is (the container demo, the bench); sign it like any other.
 */
export function copyWithoutSignIn(from: string, to: string): void {
  cpSync(from, to, { recursive: true });
  const path = join(to, 'identity-providers.json');
  const providers = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  delete providers['signIn'];
  writeFileSync(path, `${JSON.stringify(providers, null, 2)}\n`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'new-key': { type: 'boolean', default: false } } });
  const signed = await signPolicies(process.env, { newKey: values['new-key'] });
  console.log(`policy set sha256 ${signed.sha256} signed with ${signed.kid}: ${signed.signaturePath}`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(`policies:sign: ${(error as Error).message}`);
    process.exit(1);
  });
}
