import { ensureDevelopmentKeys, loadPolicies } from '@hub/gateway';
import { operatorConfig } from './config';

/**
 * Development keys in HUB_KEYS_DIR (default .keys): the gateway's assertion key and one key
 * per agency of policies/. docker-compose runs it once before the subgraphs, which need
 * the gateway's public keys at their start; existing keys are kept.
 */
async function main(): Promise<void> {
  const { keysDir, policiesDir } = operatorConfig(process.env);
  const policies = loadPolicies(policiesDir, keysDir);
  await ensureDevelopmentKeys(keysDir, policies.agencies.keys());
  console.log(`development keys ready in ${keysDir}`);
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exit(1);
});
