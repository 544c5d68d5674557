import { existsSync, readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { ConfigError, openDatabase } from '@hub/kit';
import { citizenDocuments, DEMO_CASES, DEMO_POPULATION, demoPeople } from '@hub/kit/synthetic';
import { auditJournalSchema } from '@hub/audit';
import type { GatewayConfig } from './config';
import { PostgresConsentStore } from './subjects/consents';
import { allocateReplicaNumber, PostgresAuditJournal } from './journal/writer';
import { JournalUpkeep } from './journal/upkeep';
import { journalPolicyChange, journalPolicyRefusal, type PolicyRefusal } from './journal/policy-change';
import { ensureDevelopmentKeys, gatewayKeyPaths, loadGatewaySigningKey } from './identity/keys';
import type { Policies } from './policy/policies';
import { loadPolicySet, policySetFiles, policySetHash, type PolicySet } from './policy/policy-set';
import { checkPolicySignature, policyKeyPaths } from './policy/policy-signature';
import { quotasFromEnv } from './policy/quotas';
import { RegistrationNumbers } from './journal/registration';
import { loadSubjectKeys, subjectKeyPath, subjectKeyReadable } from './subjects/keys';
import type { GatewayOptions, RunningGateway } from './http/server';
import type { DemoPeople } from './http/pages';
import { discoverProviders, RelyingParty, type DiscoveredProvider } from './sign-in/relying-party';
import { Sessions } from './sign-in/sessions';
import { MemorySignInStore, RedisSignInStore, type SignInStore } from './sign-in/store';
import { sessionExpiredEntry } from './journal/session-expired';
import type { AuditJournal } from './journal/writer';

/** The demo persons the development playground offers, with a passport number to try. */
export function demoPeopleOf(seed: number): DemoPeople {
  const population = { ...DEMO_POPULATION, seed };
  return demoPeople(population).map((person) => {
    const where: { citizen?: number; foreigner?: number } = DEMO_CASES[person.case];
    const passport =
      where.citizen === undefined ? null : (citizenDocuments(population, where.citizen).find((d) => d.type === 'GENERAL_PASSPORT' && d.active)?.number ?? null);
    return { case: person.case, fin: person.fin, passport };
  });
}

/**
 * Production generates no key: a missing or unreadable key is a configuration error naming the
 * file, before the first request, not an UNAUTHENTICATED for every caller of one agency later.
 */
function checkKeys(config: GatewayConfig, policies: Policies): void {
  const problem = (path: string, what: string) =>
    new ConfigError(
      `HUB_KEYS_DIR=${JSON.stringify(config.keysDir)}: ${what} ${path} is missing or unreadable (production generates no keys: create them with \`npm run keys\` or mount the PKI's).`,
    );
  const readable = (path: string, check: (json: unknown) => boolean) => {
    try {
      return check(JSON.parse(readFileSync(path, 'utf8')));
    } catch {
      return false;
    }
  };
  const gatewayKey = gatewayKeyPaths(config.keysDir).privateJwk;
  if (!readable(gatewayKey, (json) => typeof json === 'object' && json !== null && 'd' in json)) throw problem(gatewayKey, "the gateway's signing key");
  if (!subjectKeyReadable(config.keysDir)) throw problem(subjectKeyPath(config.keysDir), "the journal's subjects key");
  for (const agency of policies.agencies.keys()) {
    const source = policies.identity.jwksOf(agency);
    if (!source.startsWith('file:')) continue;
    const path = source.slice('file:'.length);
    if (!readable(path, (json) => Array.isArray((json as { keys?: unknown }).keys))) throw problem(path, `the JWKS of ${agency}`);
  }
  // The gateway verifies the policy set with the public key; the signer's key has no business here.
  const signer = policyKeyPaths(config.keysDir).privateJwk;
  if (existsSync(signer))
    throw new ConfigError(`HUB_KEYS_DIR=${JSON.stringify(config.keysDir)}: ${signer} is the policy signing key: keep it with the signer, not the gateway.`);
}

/** A set that failed a check: which refusal it is, to journal and count. */
class PolicySetRefused extends Error {
  constructor(
    readonly refusal: PolicyRefusal,
    cause: unknown,
  ) {
    super((cause as Error).message, { cause });
  }
}

/**
 * The policies, the supergraph and the registered operations, checked as one set: every start-up
 * check and, in production, the keys it names and its signature. The same at start and at reload.
 */
async function acceptPolicySet(config: GatewayConfig, logger: Logger): Promise<PolicySet> {
  let set: PolicySet;
  try {
    set = loadPolicySet(config);
    if (config.production) checkKeys(config, set.policies);
  } catch (error) {
    throw new PolicySetRefused('POLICY_SET_INVALID', error);
  }
  if (config.production) {
    let kid: string;
    try {
      kid = await checkPolicySignature(set, config.policySignature);
    } catch (error) {
      throw new PolicySetRefused('POLICY_SET_UNSIGNED', error);
    }
    logger.info({ policySet: set.sha256, kid }, 'policy set signed and accepted');
  } else {
    logger.warn({ policySet: set.sha256 }, 'policy set not checked for a signature (development)');
    await ensureDevelopmentKeys(config.keysDir, set.policies.agencies.keys());
  }
  return set;
}

/** Where a reload puts what it decided: the running gateway and the journal (parameters so tests can watch them). */
export interface ReloadTarget {
  gateway: Pick<RunningGateway, 'reload' | 'refused'>;
  /** The hash of the set in force, the one a reload replaces. */
  inForce: string;
  registrationNumber: () => string;
  journalChange?: typeof journalPolicyChange;
  journalRefusal?: typeof journalPolicyRefusal;
}

/**
 * SIGHUP (main.ts): loads the set again, runs every start-up check on it and, if it passes, puts
 * it in force for the next request and journals the change; otherwise the set in force keeps
 * serving and the refusal is logged with its reason, journaled and shown on /ready and /metrics.
 * Returns the hash in force afterwards.
 */
export async function reloadPolicySet(config: GatewayConfig, logger: Logger, target: ReloadTarget): Promise<string> {
  const { journalChange = journalPolicyChange, journalRefusal = journalPolicyRefusal } = target;
  let set: PolicySet;
  try {
    set = await acceptPolicySet(config, logger);
    if (set.sha256 === target.inForce) {
      logger.info({ policySet: set.sha256 }, 'policy set unchanged');
      return set.sha256;
    }
    // Building its request path (Apollo's query planner over the new supergraph) is a check too.
    await target.gateway.reload({ policySet: set, policies: set.policies, supergraph: set.supergraph, limits: set.limits, operations: set.operations });
  } catch (error) {
    const refusal = error instanceof PolicySetRefused ? error.refusal : 'POLICY_SET_INVALID';
    const at = new Date();
    target.gateway.refused(at);
    // The refused set's hash, when its files can be read: what an auditor compares with the signed one.
    let sha256: string | null;
    try {
      sha256 = policySetHash(policySetFiles(config.policiesDir, config.supergraphPath));
    } catch {
      sha256 = null;
    }
    logger.error(
      { policySet: target.inForce, refused: sha256, refusal, reason: (error as Error).message },
      'policy set refused: the one in force keeps serving',
    );
    await journalRefusal(config.auditDatabaseUrl, sha256, refusal, target.registrationNumber).catch((journalError: unknown) =>
      logger.error({ err: journalError }, 'policy set refusal not journaled'),
    );
    return target.inForce;
  }
  logger.info({ policySet: set.sha256, previous: target.inForce }, 'policy set in force');
  // In force already: a journal that fails now is logged, and the next start (or reload) journals the set.
  try {
    const change = await journalChange(config.auditDatabaseUrl, set.sha256, target.registrationNumber);
    if (change) logger.info({ policySet: set.sha256, previous: change.previous }, 'policy change journaled');
  } catch (error) {
    logger.error({ policySet: set.sha256, err: error }, 'policy change not journaled');
  }
  return set.sha256;
}

/**
 * People's sign-in: sessions in Redis when REDIS_URL is set (every replica sees them), in memory
 * otherwise; an expired session found is journaled as its own event.
 */
export interface RelyingPartyParts {
  publicUrl: string | undefined;
  redisUrl: string | undefined;
  policies: Pick<Policies, 'signIn' | 'identity'>;
  providers: Map<string, DiscoveredProvider>;
  journal: AuditJournal;
  registrations: RegistrationNumbers;
  logger: Logger;
  /** Tests: a clock they move, a store they watch. */
  now?: () => number;
  store?: SignInStore;
}

export function relyingPartyOf(parts: RelyingPartyParts): RelyingParty | null {
  const { publicUrl, policies, providers, journal, registrations, logger, now = Date.now } = parts;
  if (!policies.signIn || !publicUrl || providers.size === 0) return null;
  const store = parts.store ?? (parts.redisUrl ? new RedisSignInStore(parts.redisUrl) : new MemorySignInStore(now));
  const sessions = new Sessions(
    store,
    policies.signIn.session,
    new URL(publicUrl).origin,
    (session, address) =>
      journal
        .append(sessionExpiredEntry(registrations.next(), session.identity, address, new Date(now())))
        .catch((error: unknown) => logger.error({ err: error }, 'session expiry not journaled')),
    now,
  );
  return new RelyingParty(providers, policies.signIn, sessions, store, publicUrl, policies.identity.clockToleranceSeconds, policies.identity.algorithms);
}

/** Everything the gateway checks and loads before it takes its first request. */
export async function prepareGateway(config: GatewayConfig, logger: Logger): Promise<GatewayOptions> {
  // Checked as one set before anything else starts; a refusal at start is a configuration error naming the file.
  let set: PolicySet;
  try {
    set = await acceptPolicySet(config, logger);
  } catch (error) {
    throw error instanceof PolicySetRefused ? error.cause : error;
  }
  const { policies, limits, supergraph, operations } = set;
  // Before anything else starts: production stops here on a provider that cannot serve, naming it.
  const providers = await discoverProviders(policies.signIn, { keysDir: config.keysDir, publicUrl: config.publicUrl, production: config.production, logger });
  const signingKey = await loadGatewaySigningKey(config.keysDir);
  for (const { name } of supergraph.subgraphs) {
    if (!policies.resourceOfSubgraph.has(name)) logger.warn({ subgraph: name }, 'no policy binds this subgraph to a resource: it is refused to everyone');
  }
  // The journal lives in the audit resource's schema; whoever starts first brings it up to date.
  const db = await openDatabase({ url: config.auditDatabaseUrl, applicationName: 'hub-gateway-migrate', ...auditJournalSchema });
  await db.destroy();
  const registrations = new RegistrationNumbers(RegistrationNumbers.replicaId(await allocateReplicaNumber(config.auditDatabaseUrl)));
  const upkeep = await JournalUpkeep.start(config.auditDatabaseUrl, signingKey, config.upkeep, logger);
  // Which rules applied to a record: when this set came into force, and what it replaced (after the upkeep made this month's partition).
  const change = await journalPolicyChange(config.auditDatabaseUrl, set.sha256, () => registrations.next());
  if (change) logger.info({ policySet: set.sha256, previous: change.previous }, 'policy change journaled');
  const journal = PostgresAuditJournal.connect(config.auditDatabaseUrl, config.journal).keepUp(upkeep);
  return {
    policySet: set,
    policies,
    supergraph,
    signingKey,
    subjectKeys: loadSubjectKeys(config.keysDir),
    consents: await PostgresConsentStore.open(config.auditDatabaseUrl),
    journal,
    registrations,
    signIn: relyingPartyOf({ publicUrl: config.publicUrl, redisUrl: config.redisUrl, policies, providers, journal, registrations, logger }),
    logger,
    production: config.production,
    subgraphTimeoutMs: config.subgraphTimeoutMs,
    breaker: config.breaker,
    shutdownGraceMs: config.shutdownGraceMs,
    limits,
    operations,
    quotas: quotasFromEnv(limits.quotas, config.redisUrl, undefined, (counting) => {
      if (counting === 'shared') logger.info({ quotas: counting }, 'quotas: counting shared by every replica again (Redis)');
      else logger.warn({ quotas: counting }, 'quotas: Redis unreachable, this replica counts on its own until it is back');
    }),
    admission: config.admission,
    ...(config.production ? {} : { developmentKeysDir: config.keysDir, demoPeople: demoPeopleOf(config.demoSeed) }),
  };
}
