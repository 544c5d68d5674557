import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import request from 'supertest';
import pino, { type Logger } from 'pino';
import { appealsSubgraph } from '@hub/appeals';
import { auditSubgraph } from '@hub/audit';
import { blanksSubgraph } from '@hub/blanks';
import { borderCrossingsSubgraph } from '@hub/border-crossings';
import { childDataSubgraph } from '@hub/child-data';
import { citizensSubgraph } from '@hub/citizens';
import { enforcementSubgraph } from '@hub/enforcement';
import { foreignersSubgraph } from '@hub/foreigners';
import {
  allocateReplicaNumber, ensureDevelopmentKeys, gatewayKeyPaths, loadGatewaySigningKey, loadPolicies, PostgresAuditJournal,
  loadLimitsPolicy, quotasFromEnv, readSupergraph, RegistrationNumbers, signDevelopmentToken, startGateway,
  type AuditJournal, type DevelopmentTokenRequest, type QuotaPolicy, type Quotas, type GatewayOptions, type Policies, type RunningGateway,
} from '@hub/gateway';
import { composeSupergraph, startSubgraph, type PopulationOptions, type RunningSubgraph, type SubgraphModule } from '@hub/kit';
import { createTestDatabase, TEST_POPULATION, type TestDatabase } from '@hub/kit/testing';
import { restrictionListSubgraph } from '@hub/restriction-list';

/**
 * The whole hub inside one test process: nine subgraphs and the gateway, each on its own
 * port, talking real HTTP, over a throwaway PostgreSQL database (the embedded one when no
 * server is reachable). Tokens are minted with development keys in a temporary folder.
 */
export const ALL_SUBGRAPHS: ReadonlyArray<SubgraphModule<unknown>> = [
  citizensSubgraph, foreignersSubgraph, borderCrossingsSubgraph, restrictionListSubgraph, blanksSubgraph,
  auditSubgraph, enforcementSubgraph, childDataSubgraph, appealsSubgraph,
] as ReadonlyArray<SubgraphModule<unknown>>;

export const POLICIES_DIR = resolve(__dirname, '../../../policies');

export interface HubOptions {
  population?: PopulationOptions;
  /** Replaces the audit journal (e.g. to make it fail). */
  journal?: (databaseUrl: string) => AuditJournal;
  production?: boolean;
  /** Replaces the quotas (e.g. shared through Redis, or with a small policy). */
  quotas?: (policy: QuotaPolicy) => Quotas;
  logger?: Logger;
  subgraphTimeoutMs?: number;
}

export interface CallOptions {
  token?: string | null;
  purpose?: string | null;
  caseNumber?: string;
  headers?: Record<string, string>;
}

export interface TestHub {
  database: TestDatabase;
  keysDir: string;
  policies: Policies;
  subgraphs: Map<string, RunningSubgraph>;
  gateway: RunningGateway;
  options: GatewayOptions;
  population: PopulationOptions;
  token(request: DevelopmentTokenRequest): Promise<string>;
  /** POSTs to the gateway with supertest; defaults: an MIA officer asking for identity-check. */
  query(query: string, variables?: Record<string, unknown>, options?: CallOptions): Promise<request.Response>;
  stop(): Promise<void>;
}

export async function startTestHub(options: HubOptions = {}): Promise<TestHub> {
  const population = options.population ?? TEST_POPULATION;
  const database = await createTestDatabase();
  const keysDir = mkdtempSync(join(tmpdir(), 'hub-e2e-keys-'));
  const env = { ...process.env, HUB_KEYS_DIR: keysDir };
  const policies = loadPolicies(POLICIES_DIR, env);
  const limits = loadLimitsPolicy(POLICIES_DIR);
  await ensureDevelopmentKeys(keysDir, policies.agencies.keys());
  const silent = pino({ level: 'silent' });

  const subgraphs = new Map<string, RunningSubgraph>();
  for (const module of ALL_SUBGRAPHS) {
    subgraphs.set(module.name, await startSubgraph(module, {
      databaseUrl: database.url, port: 0, host: '127.0.0.1', gatewayJwksPath: gatewayKeyPaths(keysDir).jwks,
      seed: population, logger: silent, poolSize: 4,
    }));
  }
  const { sdl } = await composeSupergraph(ALL_SUBGRAPHS.map((module) => ({ module, url: subgraphs.get(module.name)!.url })));
  const gatewayOptions: GatewayOptions = {
    policies,
    supergraph: readSupergraph(sdl),
    signingKey: await loadGatewaySigningKey(keysDir),
    journal: options.journal ? options.journal(database.url) : PostgresAuditJournal.connect(database.url),
    registrations: new RegistrationNumbers(RegistrationNumbers.replicaId(await allocateReplicaNumber(database.url))),
    logger: options.logger ?? silent,
    production: options.production ?? false,
    subgraphTimeoutMs: options.subgraphTimeoutMs ?? 5_000,
    limits,
    quotas: options.quotas ? options.quotas(limits.quotas) : quotasFromEnv(limits.quotas, undefined),
  };
  const gateway = await startGateway(gatewayOptions, 0, '127.0.0.1');
  const defaultToken = await signDevelopmentToken(keysDir, policies.identity, { agency: 'MIA', roles: ['officer'] });

  return {
    database, keysDir, policies, subgraphs, gateway, options: gatewayOptions, population,
    token: (tokenRequest) => signDevelopmentToken(keysDir, policies.identity, tokenRequest),
    async query(query, variables, call = {}) {
      let req = request(gateway.server).post('/graphql').set('content-type', 'application/json');
      const token = call.token === undefined ? defaultToken : call.token;
      if (token !== null) req = req.set('authorization', `Bearer ${token}`);
      const purpose = call.purpose === undefined ? 'identity-check' : call.purpose;
      if (purpose !== null) req = req.set('x-purpose', purpose);
      if (call.caseNumber) req = req.set('x-case-number', call.caseNumber);
      for (const [k, v] of Object.entries(call.headers ?? {})) req = req.set(k, v);
      return req.send({ query, ...(variables ? { variables } : {}) });
    },
    async stop() {
      await gateway.stop();
      for (const subgraph of subgraphs.values()) await subgraph.stop();
      await database.drop();
    },
  };
}
