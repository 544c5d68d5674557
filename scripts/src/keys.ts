import { ensureDevelopmentKeys, loadPolicies } from '@hub/gateway';
import { operatorConfig } from './config';

/**
 * Development keys in HUB_KEYS_DIR (default .keys): the gateway's assertion key and one key
 * pair per agency of policies/, in the layout production's keys take (deploy/k8s/create-secrets.sh
 * reads it, leaving the agencies' private keys behind); existing keys are kept.
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
