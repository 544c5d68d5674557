import { resolve } from 'node:path';
import { ensureDevelopmentKeys, loadPolicies } from '@hub/gateway';
import { ROOT } from './processes';

/**
 * Development keys in HUB_KEYS_DIR (default .keys): the gateway's assertion key and one key
 * per agency of policies/. docker-compose runs it once before the subgraphs, which need
 * the gateway's public keys at their start; existing keys are kept.
 */
async function main(): Promise<void> {
  const keysDir = resolve(ROOT, process.env['HUB_KEYS_DIR'] ?? '.keys');
  const policies = loadPolicies(resolve(ROOT, process.env['POLICIES_DIR'] ?? 'policies'), keysDir);
  await ensureDevelopmentKeys(keysDir, policies.agencies.keys());
  console.log(`development keys ready in ${keysDir}`);
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exit(1);
});
