import { ensureDevelopmentKeys, loadPolicies } from '@hub/gateway';
import { operatorConfig } from './config';
import { environmentFromLauncher, tellLauncher } from './launched';
import { gatewayEntry } from './processes';

/**
 * `npm start` only: the gateway's own entry (gateway/dist/src/main.js), started with the
 * embedded PostgreSQL so that its modules load while the database and the subgraphs come up;
 * it runs once the launcher hands over its environment. docker-compose and production run
 * main.js directly.
 */
async function main(): Promise<void> {
  // The subgraphs need the development keys before they start. This process has their modules
  // loaded anyway, and the launcher's own thread is busy bringing up the embedded database.
  const { keysDir, policiesDir } = operatorConfig(process.env);
  await ensureDevelopmentKeys(keysDir, loadPolicies(policiesDir, keysDir).agencies.keys());
  tellLauncher('keys');
  Object.assign(process.env, await environmentFromLauncher());
  // main.js reads its configuration from process.env when it runs, which is now.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(gatewayEntry());
}

main().catch((error: unknown) => {
  console.error(`gateway: ${(error as Error).message}`);
  process.exit(1);
});
