import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { agencyKeyPaths, ensureDevelopmentKeys, gatewayKeyPaths, loadPolicies, policyKeyPaths, subjectKeyPath } from '@hub/gateway';
import { EnvReader, type Environment } from '@hub/kit';
import { operatorConfig } from './config';
import { copyWithoutSignIn, signPolicies } from './policies-sign';

/** Where the demo's one-shot puts each service's share of the keys. */
interface DemoKeyDirs {
  /** Every key of the demo, private halves included (`npm run keys`' layout): the demo identity provider's alone. */
  identity: string;
  /** What the gateway reads: its signing key, its subjects key, its public keys, each agency's public JWKS, the policy key and the set's signature. */
  gateway: string;
  /** What a subgraph reads: the gateway's public keys. */
  subgraphs: string;
  /** The gateway's policy set (its POLICIES_DIR): the image's, without people's sign-in. */
  policies: string;
}

/**
 * docker-compose.demo.yml's one-shot: stands in for the PKI and the agencies' identity providers.
 * It makes the development keys where it alone can read them, then hands the gateway and the
 * subgraphs what production would give them and nothing more: no agency private key leaves it.
 * It also stands in for the policy authority: it signs the image's policy set (production's gateway
 * takes no other), keeping the policy signing key and handing the gateway its public half.
 * The set it signs is the image's without `signIn`: the image has no demo OpenID provider (a dev
 * package) and a production gateway stops on a provider it cannot reach, so the container demo is
 * a hub for ministry systems only; people sign in under `npm start` (docs/decisions/0022).
 */
export async function provisionDemoKeys(dirs: DemoKeyDirs, agencies: Iterable<string>, policiesDir: string): Promise<void> {
  const names = [...agencies];
  await ensureDevelopmentKeys(dirs.identity, names);
  const own = gatewayKeyPaths(dirs.identity);
  mkdirSync(join(dirs.gateway, 'agencies'), { recursive: true });
  mkdirSync(dirs.subgraphs, { recursive: true });
  for (const file of [own.privateJwk, own.jwks, subjectKeyPath(dirs.identity)]) copyFileSync(file, join(dirs.gateway, basename(file)));
  for (const agency of names) copyFileSync(agencyKeyPaths(dirs.identity, agency).jwks, agencyKeyPaths(dirs.gateway, agency).jwks);
  copyFileSync(own.jwks, gatewayKeyPaths(dirs.subgraphs).jwks);
  copyWithoutSignIn(policiesDir, dirs.policies);
  const policy = policyKeyPaths(dirs.identity);
  const env = { HUB_KEYS_DIR: dirs.identity, POLICIES_DIR: dirs.policies, POLICY_SIGNATURE_PATH: policyKeyPaths(dirs.gateway).signature };
  await signPolicies(env, { newKey: !existsSync(policy.privateJwk) });
  copyFileSync(policy.jwks, policyKeyPaths(dirs.gateway).jwks);
}

function requiredPath(read: EnvReader, name: string): string {
  if (read.text(name) === undefined) throw new Error(`${name} must be set: the directory this share goes to`);
  return read.path(name, '');
}

export function demoKeyDirs(env: Environment): DemoKeyDirs {
  const read = new EnvReader(env);
  return {
    identity: operatorConfig(env).keysDir,
    gateway: requiredPath(read, 'DEMO_GATEWAY_KEYS_DIR'),
    subgraphs: requiredPath(read, 'DEMO_SUBGRAPH_KEYS_DIR'),
    policies: requiredPath(read, 'DEMO_POLICIES_DIR'),
  };
}

async function main(): Promise<void> {
  const dirs = demoKeyDirs(process.env);
  const { policiesDir } = operatorConfig(process.env);
  await provisionDemoKeys(dirs, loadPolicies(policiesDir, dirs.identity).agencies.keys(), policiesDir);
  console.log(
    `demo keys ready: the gateway's share in ${dirs.gateway} (its policy set, without people's sign-in, in ${dirs.policies}), the subgraphs' in ${dirs.subgraphs}`,
  );
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error((error as Error).message);
    process.exit(1);
  });
}
