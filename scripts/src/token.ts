import { parseArgs } from 'node:util';
import { ensureDevelopmentKeys, loadPolicies, signDevelopmentToken } from '@hub/gateway';
import { operatorConfig } from './config';

/**
 * `npm run token -- --agency MIA --role officer [--sub id] [--fin FIN] [--ttl 3600]` prints a
 * development JWT signed with the agency's local development key (generated on first use).
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      agency: { type: 'string' },
      role: { type: 'string', multiple: true },
      sub: { type: 'string' },
      fin: { type: 'string' },
      ttl: { type: 'string', default: '3600' },
    },
  });
  const { keysDir, policiesDir } = operatorConfig(process.env);
  const policies = loadPolicies(policiesDir, keysDir);
  const agency = values.agency;
  if (!agency || !policies.agencies.has(agency)) throw new Error(`--agency must be one of ${[...policies.agencies.keys()].join(', ')}`);
  const roles = values.role ?? ['officer'];
  for (const role of roles) if (!policies.roles.has(role as never)) throw new Error(`--role must be one of ${[...policies.roles.keys()].join(', ')}`);
  const ttl = Number(values.ttl);
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > 7 * 24 * 3600) throw new Error('--ttl is seconds, 1 to 604800');
  await ensureDevelopmentKeys(keysDir, policies.agencies.keys());
  const token = await signDevelopmentToken(keysDir, policies.identity, {
    agency,
    roles,
    ttlSeconds: ttl,
    ...(values.sub ? { sub: values.sub } : {}),
    ...(values.fin ? { fin: values.fin } : {}),
  });
  process.stdout.write(`${token}\n`);
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exit(2);
});
