import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { ASSURANCE_LEVELS, ensureDevelopmentKeys, isAssuranceLevel, loadPolicies, signDevelopmentToken } from '@hub/gateway';
import { operatorConfig } from './config';

/**
 * `npm run token -- --agency MIA --role officer [--sub id] [--fin FIN] [--ttl 3600] [--acr high]
 * [--dpop-key key.jwk.json]` prints a development JWT signed with the agency's local development
 * key (generated on first use). --acr: the sign-in it stands for (low, substantial, high), written
 * as the body's acr value for it; none means low. --dpop-key: a JWK file (public, or a private key
 * whose public part is used) the token is bound to for DPoP (cnf.jkt).
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      agency: { type: 'string' },
      role: { type: 'string', multiple: true },
      sub: { type: 'string' },
      fin: { type: 'string' },
      ttl: { type: 'string', default: '3600' },
      acr: { type: 'string' },
      'dpop-key': { type: 'string' },
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
  const acr = values.acr;
  if (acr !== undefined && !isAssuranceLevel(acr)) throw new Error(`--acr must be one of ${ASSURANCE_LEVELS.join(', ')}`);
  const jkt = values['dpop-key'] ? await calculateJwkThumbprint(readJwk(values['dpop-key']), 'sha256') : undefined;
  await ensureDevelopmentKeys(keysDir, policies.agencies.keys());
  const token = await signDevelopmentToken(keysDir, policies.identity, {
    agency,
    roles,
    ttlSeconds: ttl,
    ...(values.sub ? { sub: values.sub } : {}),
    ...(values.fin ? { fin: values.fin } : {}),
    ...(acr ? { assurance: acr } : {}),
    ...(jkt ? { jkt } : {}),
  });
  process.stdout.write(`${token}\n`);
}

function readJwk(path: string): JWK {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as JWK;
  } catch (error) {
    throw new Error(`--dpop-key: cannot read a JWK from ${path}: ${(error as Error).message}`, { cause: error });
  }
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exit(2);
});
