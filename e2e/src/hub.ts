import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import request from 'supertest';
import pino, { type Logger } from 'pino';
import {
  allocateReplicaNumber,
  DEFAULT_JOURNAL_LIMITS,
  demoPeopleOf,
  ensureDevelopmentKeys,
  gatewayKeyPaths,
  loadGatewaySigningKey,
  loadPolicies,
  PostgresAuditJournal,
  loadLimitsPolicy,
  loadSubjectKeys,
  operationRegistry,
  PostgresConsentStore,
  quotasFromEnv,
  readSupergraph,
  RegistrationNumbers,
  signDevelopmentToken,
  startGateway,
  type AuditJournal,
  type DevelopmentTokenRequest,
  type QuotaPolicy,
  type Quotas,
  type GatewayOptions,
  type Policies,
  type RelyingParty,
  type RunningGateway,
} from '@hub/gateway';
import { createHash, randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { Client } from 'pg';
import { startSubgraph, type RunningSubgraph, type SubgraphModule } from '@hub/kit';
import { composeSupergraph, loadSubgraphModules } from '@hub/kit/dev';
import type { PopulationOptions } from '@hub/kit/synthetic';
import { createTestDatabase, TEST_POPULATION, type TestDatabase } from '@hub/kit/testing';

/**
 * The whole hub inside one test process: nine subgraphs and the gateway, each on its own
 * port, talking real HTTP, over a throwaway PostgreSQL database (the embedded one when no
 * server is reachable). Tokens are minted with development keys in a temporary folder.
 */
export const ALL_SUBGRAPHS: ReadonlyArray<SubgraphModule<unknown>> = loadSubgraphModules();

export const POLICIES_DIR = resolve(__dirname, '../../../policies');

/** A subgraph as the hub reaches it: in this process, or its own process (as in production). */
type HubSubgraph = Pick<RunningSubgraph, 'name' | 'url' | 'port' | 'stop'>;

interface HubOptions {
  /** Run each subgraph as its own process (`node subgraphs/<name>/dist/src/main.js`), as deployed. */
  processes?: boolean;
  population?: PopulationOptions;
  /** Replaces the audit journal (e.g. to make it fail). */
  journal?: (databaseUrl: string) => AuditJournal;
  production?: boolean;
  /** Replaces the quotas (e.g. shared through Redis, or with a small policy). */
  quotas?: (policy: QuotaPolicy) => Quotas;
  logger?: Logger;
  subgraphTimeoutMs?: number;
  /** The gateway's port (0: any free one); a sign-in test names it first, for the provider's redirect URI. */
  port?: number;
  /** People's sign-in, built from the hub's own journal and registration numbers. */
  signIn?: (parts: { keysDir: string; policies: Policies; journal: AuditJournal; registrations: RegistrationNumbers }) => Promise<RelyingParty | null>;
  /** More environment for subgraph processes (e.g. OTEL_* variables). */
  subgraphEnv?: Record<string, string>;
  /** The hex hash of the policy set the gateway decides under, journaled with each record; none by default. */
  policySet?: string;
}

interface CallOptions {
  token?: string | null;
  purpose?: string | null;
  caseNumber?: string;
  headers?: Record<string, string>;
}

export interface TestHub {
  database: TestDatabase;
  keysDir: string;
  policies: Policies;
  subgraphs: Map<string, HubSubgraph>;
  gateway: RunningGateway;
  options: GatewayOptions;
  population: PopulationOptions;
  /** A development token; at assurance `high` unless the request names a level. */
  token(request: DevelopmentTokenRequest): Promise<string>;
  /** The subgraphs whose own journal (R6) holds this registration number: the ones the request reached. */
  subgraphsCalled(registrationNumber: string): Promise<string[]>;
  /** POSTs to the gateway with supertest; defaults: an MIA officer asking for identity-check. */
  query(query: string, variables?: Record<string, unknown>, options?: CallOptions): Promise<request.Response>;
  stop(): Promise<void>;
}

/**
 * The hub's journal writer with a write bound of 5 s instead of 1 s: these tests assert what is
 * journaled, not how fast, and a commit on a loaded two-core CI machine can take over a second
 * (the writer then refuses everything until its probe succeeds). The 1 s bound has tests of its
 * own (audit-journal.test.ts, gateway/test/journal.test.ts).
 */
function testJournal(url: string): PostgresAuditJournal {
  return PostgresAuditJournal.connect(url, { ...DEFAULT_JOURNAL_LIMITS, writeTimeoutMs: 5_000 });
}

/** Where a test hub's gateway is reached, as DPoP proofs name it (HUB_PUBLIC_URL). */
export const TEST_HUB_URL = 'https://hub.e2e.test';

/**
 * The tests' client of a DPoP-bound body (RFC 9449), as that body's systems are: hub.token binds
 * the body's tokens to this key, and each request with one carries a fresh proof. What happens
 * without a proof, or with a wrong one, is tested on its own (one-hub/assurance.ts).
 */
const dpopClient = (async () => {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = await exportJWK(publicKey);
  return { privateKey, jwk, jkt: await calculateJwkThumbprint(jwk) };
})();

/** The headers a test client sends with this token: Bearer, or DPoP with a proof of this request for a token bound to the tests' key. */
export async function authorizationOf(token: string, method = 'POST', path = '/graphql'): Promise<Record<string, string>> {
  const client = await dpopClient;
  let jkt: unknown;
  try {
    jkt = (decodeJwt(token)['cnf'] as { jkt?: unknown } | undefined)?.jkt;
  } catch {
    jkt = undefined;
  }
  if (jkt !== client.jkt) return { authorization: `Bearer ${token}` };
  const proof = await new SignJWT({
    htm: method,
    htu: `${TEST_HUB_URL}${path}`,
    ath: createHash('sha256').update(token).digest('base64url'),
    jti: randomUUID(),
    iat: Math.floor(Date.now() / 1000),
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: client.jwk })
    .sign(client.privateKey);
  return { authorization: `DPoP ${token}`, dpop: proof };
}

export async function startTestHub(options: HubOptions = {}): Promise<TestHub> {
  const population = options.population ?? TEST_POPULATION;
  const database = await createTestDatabase();
  const keysDir = mkdtempSync(join(tmpdir(), 'hub-e2e-keys-'));
  const policies = loadPolicies(POLICIES_DIR, keysDir);
  const limits = loadLimitsPolicy(POLICIES_DIR);
  await ensureDevelopmentKeys(keysDir, policies.agencies.keys());
  const silent = pino({ level: 'silent' });

  const subgraphs = new Map<string, HubSubgraph>();
  for (const module of ALL_SUBGRAPHS) {
    subgraphs.set(
      module.name,
      options.processes
        ? await startSubgraphProcess(module.name, {
            DATABASE_URL: database.url,
            HUB_KEYS_DIR: keysDir,
            HUB_SEED: 'demo',
            HUB_SEED_NUMBER: String(population.seed),
            HUB_SEED_CITIZENS: String(population.citizens),
            HUB_SEED_FOREIGNERS: String(population.foreigners),
            DATABASE_POOL_SIZE: '10',
            ...options.subgraphEnv,
          })
        : await startSubgraph(module, {
            databaseUrl: database.url,
            port: 0,
            host: '127.0.0.1',
            gatewayJwksPath: gatewayKeyPaths(keysDir).jwks,
            seed: population,
            logger: silent,
            poolSize: 4,
          }),
    );
  }
  const { sdl } = await composeSupergraph(ALL_SUBGRAPHS.map((module) => ({ module, url: subgraphs.get(module.name)!.url })));
  const supergraph = readSupergraph(sdl);
  const operations = operationRegistry(POLICIES_DIR, { policies, supergraph, limits });
  operations.check();
  const journal = options.journal ? options.journal(database.url) : testJournal(database.url);
  const registrations = new RegistrationNumbers(RegistrationNumbers.replicaId(await allocateReplicaNumber(database.url)));
  const gatewayOptions: GatewayOptions = {
    policies,
    supergraph,
    signingKey: await loadGatewaySigningKey(keysDir),
    subjectKeys: loadSubjectKeys(keysDir),
    consents: await PostgresConsentStore.open(database.url),
    journal,
    registrations,
    signIn: options.signIn ? await options.signIn({ keysDir, policies, journal, registrations }) : null,
    ...(options.policySet ? { policySet: { sha256: options.policySet } } : {}),
    logger: options.logger ?? silent,
    production: options.production ?? false,
    ...(options.production ? {} : { developmentKeysDir: keysDir, demoPeople: demoPeopleOf(population.seed) }),
    subgraphTimeoutMs: options.subgraphTimeoutMs ?? 5_000,
    limits,
    operations,
    quotas: options.quotas ? options.quotas(limits.quotas) : quotasFromEnv(limits.quotas, undefined),
    publicUrl: TEST_HUB_URL,
  };
  const gateway = await startGateway(gatewayOptions, options.port ?? 0, '127.0.0.1');
  // People signed in with a qualified e-signature (the level operative search needs) unless a test asks for less;
  // a DPoP-bound body's tokens bound to the tests' key unless a test names another.
  const { jkt } = await dpopClient;
  const token = (tokenRequest: DevelopmentTokenRequest) =>
    signDevelopmentToken(keysDir, policies.identity, {
      assurance: 'high',
      ...(policies.identity.senderConstraintOf(tokenRequest.agency) === 'dpop' ? { jkt } : {}),
      ...tokenRequest,
    });
  const defaultToken = await token({ agency: 'MIA', roles: ['officer'] });

  return {
    database,
    keysDir,
    policies,
    subgraphs,
    gateway,
    options: gatewayOptions,
    population,
    token,
    async subgraphsCalled(registrationNumber) {
      const sql = ALL_SUBGRAPHS.map(({ schema }) => `SELECT '${schema}' AS schema FROM "${schema}".query_journal WHERE registration_number = $1`).join(
        ' UNION ALL ',
      );
      const journals = new Client({ connectionString: database.url });
      await journals.connect();
      try {
        return (await journals.query<{ schema: string }>(sql, [registrationNumber])).rows.map((r) => r.schema);
      } finally {
        await journals.end();
      }
    },
    async query(query, variables, call = {}) {
      let req = request(gateway.server).post('/graphql').set('content-type', 'application/json');
      const token = call.token === undefined ? defaultToken : call.token;
      if (token !== null) req = req.set(await authorizationOf(token));
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

let shared: Promise<TestHub> | undefined;

/**
 * One hub per test process for the suites of a group (`e2e/test/<group>.test.ts` imports them
 * from `e2e/test/<group>/`): starting nine subgraphs and a gateway is most of an e2e file's
 * time. Each suite gets its own callers — tokens without a `sub` get one naming the suite — so
 * quotas and key-walking counts stay its own, and the group stops the hub once at the end.
 */
export async function sharedTestHub(suite: string): Promise<TestHub> {
  shared ??= startTestHub();
  const hub = await shared;
  const token = (tokenRequest: DevelopmentTokenRequest) =>
    hub.token({ ...tokenRequest, sub: tokenRequest.sub ?? `${tokenRequest.agency.toLowerCase()}-${tokenRequest.roles[0] ?? 'user'}-${suite}` });
  const defaultToken = await token({ agency: 'MIA', roles: ['officer'] });
  return {
    ...hub,
    token,
    query: (query, variables, call = {}) => hub.query(query, variables, { ...call, token: call.token === undefined ? defaultToken : call.token }),
    // The group's entry stops the one hub after every suite (stopSharedTestHub).
    stop: async () => {},
  };
}

export async function stopSharedTestHub(): Promise<void> {
  if (shared) await (await shared).stop();
  shared = undefined;
}

/** A port nothing listens on now: taken from the system, then let go (for a server to start on, or to stay closed). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolvePromise) => server.listen(0, '127.0.0.1', resolvePromise));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolvePromise) => server.close(() => resolvePromise()));
  return port;
}

/** The subgraph's own process entry, the one docker-compose runs; stopped with SIGTERM. */
async function startSubgraphProcess(name: string, env: Record<string, string>): Promise<HubSubgraph> {
  const port = await freePort();
  const child = spawn(process.execPath, [resolve(__dirname, '../../../subgraphs', name, 'dist/src/main.js')], {
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((resolvePromise) => child.once('exit', () => resolvePromise()));
  const deadline = Date.now() + 30 * 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`subgraph ${name} exited (${child.exitCode}) before it was ready`);
    if (Date.now() > deadline) throw new Error(`subgraph ${name} was not ready in time`);
    const ready = await fetch(`http://127.0.0.1:${port}/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    name,
    port,
    url: `http://127.0.0.1:${port}/graphql`,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export async function restartSubgraph(hub: TestHub, name: string): Promise<RunningSubgraph> {
  const module = ALL_SUBGRAPHS.find((m) => m.name === name);
  const previous = hub.subgraphs.get(name);
  if (!module || !previous) throw new Error(`no subgraph "${name}" in this hub`);
  const restarted = await startSubgraph(module, {
    databaseUrl: hub.database.url,
    port: previous.port,
    host: '127.0.0.1',
    gatewayJwksPath: gatewayKeyPaths(hub.keysDir).jwks,
    seed: hub.population,
    logger: pino({ level: 'silent' }),
    poolSize: 4,
  });
  hub.subgraphs.set(name, restarted);
  return restarted;
}

/**
 * One more gateway over the hub's subgraphs with options of its own (circuit breaker, timeout,
 * a subgraph's URL pointed elsewhere). It has its own journal connection and quotas and shares
 * the hub's registration numbers; the caller stops it.
 */
export async function startGatewayOver(hub: TestHub, overrides: Partial<GatewayOptions> & { urls?: Record<string, string> } = {}): Promise<RunningGateway> {
  const { urls, ...options } = overrides;
  return startGateway(
    {
      ...hub.options,
      supergraph: urls ? readSupergraph(hub.options.supergraph.sdl, urls) : hub.options.supergraph,
      // Its own connections: stopping this gateway closes them, and the hub's must stay open.
      journal: testJournal(hub.database.url),
      consents: await PostgresConsentStore.open(hub.database.url),
      quotas: quotasFromEnv(hub.options.limits.quotas, undefined),
      // Sessions are the hub's gateway's: this one stopping must not close their store.
      signIn: null,
      ...options,
    },
    0,
    '127.0.0.1',
  );
}

/** POSTs a query to a gateway as hub.query does, with the token given. */
export async function queryGateway(
  gateway: RunningGateway,
  token: string,
  query: string,
  variables?: Record<string, unknown>,
  purpose = 'identity-check',
): Promise<request.Response> {
  return request(gateway.server)
    .post('/graphql')
    .set('content-type', 'application/json')
    .set(await authorizationOf(token))
    .set('x-purpose', purpose)
    .send({ query, ...(variables ? { variables } : {}) });
}

/** A gateway's GET /metrics; value() sums the series of a metric whose labels include those given. */
export async function scrapeMetrics(gateway: RunningGateway): Promise<{ text: string; value(name: string, labels?: Record<string, string>): number }> {
  const res = await request(gateway.server).get('/metrics');
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  const text = res.text;
  const series = text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`not a Prometheus sample: ${line}`);
      const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]));
      return { name: match[1]!, labels, value: Number(match[3]) };
    });
  return {
    text,
    value: (name, labels = {}) =>
      series.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((sum, s) => sum + s.value, 0),
  };
}
