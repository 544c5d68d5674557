import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { DataSource, Logger as TypeOrmLogger } from 'typeorm';
import pino from 'pino';
import { createKeyPair, importSigningKey, signCallerAssertion, type Caller, type SigningKey } from './caller';
import { startEmbeddedPostgres } from './dev/embedded-postgres';
import { startSubgraph, type RunningSubgraph, type SubgraphModule } from './subgraph';
import type { PopulationOptions } from './synthetic/population';
export * from './otlp-receiver';

/**
 * Test support shared by every package: a throwaway database (the real PostgreSQL server
 * when reachable, the embedded one otherwise), gateway keys, and a caller that signs
 * assertions as the gateway would.
 */
export const TEST_POPULATION: PopulationOptions = { seed: 2012, citizens: 120, foreigners: 30 };

const DEFAULT_TEST_SERVER = 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  url: string;
  /** True when backed by a real PostgreSQL server. */
  real: boolean;
  drop(): Promise<void>;
}

async function reachable(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 1500 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env['TEST_DATABASE_URL'] ?? DEFAULT_TEST_SERVER;
  if (await reachable(serverUrl)) {
    const name = `hub_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const admin = new Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    return {
      url: url.toString(),
      real: true,
      async drop() {
        const client = new Client({ connectionString: serverUrl });
        await client.connect();
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await client.end();
      },
    };
  }
  const embedded = await startEmbeddedPostgres();
  return { url: embedded.url, real: false, drop: () => embedded.stop() };
}

export interface TestKeys {
  dir: string;
  jwksPath: string;
  signingKey: SigningKey;
}

export async function createTestKeys(): Promise<TestKeys> {
  const dir = mkdtempSync(join(tmpdir(), 'hub-keys-'));
  const { privateJwk, publicJwks } = await createKeyPair('test-gateway-1');
  const jwksPath = join(dir, 'gateway.jwks.json');
  writeFileSync(jwksPath, JSON.stringify(publicJwks));
  writeFileSync(join(dir, 'gateway.private.jwk.json'), JSON.stringify(privateJwk));
  return { dir, jwksPath, signingKey: await importSigningKey(privateJwk) };
}

let registration = 0;
export function testCaller(overrides: Partial<Caller> = {}): Caller {
  registration += 1;
  return {
    agency: 'MIA',
    sub: 'test-officer',
    roles: ['officer'],
    purpose: 'identity-check',
    caseNumber: null,
    fin: null,
    level: 'unlimited',
    registrationNumber: `TEST-${process.pid}-${registration}`,
    searchLimit: 10,
    ...overrides,
  };
}

/** Counts the SQL statements a subgraph runs (typeorm's and the plain SQL of sql.ts), to prove that loading is batched. */
class QueryCounter implements TypeOrmLogger {
  readonly queries: string[] = [];
  logQuery(query: string): void {
    this.queries.push(query);
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
  reset(): void {
    this.queries.length = 0;
  }
  selectsFrom(table: string): string[] {
    return this.queries.filter((q) => /^\s*SELECT/i.test(q) && q.includes(`"${table}"`));
  }
}

export interface TestSubgraph extends RunningSubgraph {
  database: TestDatabase;
  keys: TestKeys;
  counter: QueryCounter;
  /** POSTs a GraphQL request as the gateway would, with the given caller. */
  request(
    query: string,
    variables?: Record<string, unknown>,
    caller?: Partial<Caller> | null,
    extraHeaders?: Record<string, string>,
  ): Promise<{ status: number; body: GraphQLResponseBody }>;
  close(): Promise<void>;
}

interface GraphQLResponseBody {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }>;
}

export async function startTestSubgraph<L>(module: SubgraphModule<L>, population: PopulationOptions = TEST_POPULATION): Promise<TestSubgraph> {
  const database = await createTestDatabase();
  const keys = await createTestKeys();
  const counter = new QueryCounter();
  const running = await startSubgraph(module, {
    databaseUrl: database.url,
    port: 0,
    host: '127.0.0.1',
    gatewayJwksPath: keys.jwksPath,
    seed: population,
    logger: pino({ level: 'silent' }),
    databaseLogger: counter,
  });
  return {
    ...running,
    database,
    keys,
    counter,
    async request(query, variables, caller = {}, extraHeaders = {}) {
      const headers: Record<string, string> = { 'content-type': 'application/json', ...extraHeaders };
      if (caller !== null) headers['authorization'] = `Bearer ${await signCallerAssertion(keys.signingKey, module.name, testCaller(caller))}`;
      const response = await fetch(running.url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
      return { status: response.status, body: (await response.json()) as GraphQLResponseBody };
    },
    async close() {
      await running.stop();
      await database.drop();
    },
  };
}

/** The SQL that would still be needed to make the database match the entities: empty when migrations are complete. */
export async function pendingSchemaChanges(db: DataSource): Promise<string[]> {
  const sql = await db.driver.createSchemaBuilder().log();
  return sql.upQueries.map((q) => q.query);
}
