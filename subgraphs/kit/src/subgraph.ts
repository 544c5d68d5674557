import 'reflect-metadata';
import type { IncomingMessage, Server } from 'node:http';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { printSchemaWithDirectives, type IResolvers } from '@graphql-tools/utils';
import { parse, type GraphQLSchema } from 'graphql';
import { buildSchema, createResolversMap, type NonEmptyArray } from 'type-graphql';
import type { DataSource } from 'typeorm';
import pino, { type Logger } from 'pino';
import { createCallerVerifier, loadJwks, type Caller } from './caller';
import { openDatabase, type EntityClass, type MigrationClass, type DatabaseOptions } from './database';
import { createGraphQLEndpoint, validDocuments } from './execution';
import { createHttpServer, DEFAULT_SHUTDOWN_GRACE_MS, GracefulServer, listen, RequestRejected, sendJson } from './http';
import { catalogEntry, type SubgraphName } from './catalog';
import { journalMigration, QueryJournal } from './query-journal';
import { sqlOf } from './sql';
import { ATTR } from './tracing';
import type { PopulationOptions } from './synthetic/population';
import { seedOnStart, type PopulationSeed } from './seeding';

/** Counts what the resolvers returned: the positive-result symbol of the journal (R6). */
export class Outcome {
  records = 0;

  found<T>(value: T): T {
    if (Array.isArray(value)) this.records += value.length;
    else if (value !== null && value !== undefined) this.records += 1;
    return value;
  }
}

export interface SubgraphContext<L> {
  caller: Caller;
  db: DataSource;
  loaders: L;
  outcome: Outcome;
}

/** What a subgraph package declares; `defineSubgraph` derives the rest from its name. */
interface SubgraphDefinition<L> {
  /** Its entry in the catalog, which gives its port and database schema. */
  name: SubgraphName;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  resolvers: NonEmptyArray<Function>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  orphanedTypes?: Function[];
  entities: EntityClass[];
  /** Its own migrations, in order, after the journal's. */
  migrations: MigrationClass[];
  /** `__resolveReference` per entity type; every entity resolves through batched loaders. */
  referenceResolvers?: IResolvers<unknown, SubgraphContext<L>>;
  createLoaders(db: DataSource, outcome: Outcome, caller: Caller): L;
  /** Its share of the synthetic population; a resource that starts empty has none. */
  seed?: PopulationSeed;
}

/** A subgraph as the kit runs it: its definition, its place in the catalog and the R6 journal. */
export interface SubgraphModule<L> extends SubgraphDefinition<L> {
  defaultPort: number;
  schema: string;
  /** The journal's migration first, then the subgraph's own. */
  migrations: MigrationClass[];
}

export function defineSubgraph<L>(definition: SubgraphDefinition<L>): SubgraphModule<L> {
  const { port, schema } = catalogEntry(definition.name);
  return { ...definition, defaultPort: port, schema, migrations: [journalMigration(schema), ...definition.migrations] };
}

const FEDERATION_LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])';

export async function buildFederatedSchema<L>(module: SubgraphModule<L>): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers: module.resolvers,
    ...(module.orphanedTypes ? { orphanedTypes: module.orphanedTypes } : {}),
    skipCheck: true,
    validate: false,
  });
  const resolvers = createResolversMap(schema) as Record<string, Record<string, unknown>>;
  for (const [type, extra] of Object.entries((module.referenceResolvers ?? {}) as Record<string, Record<string, unknown>>)) {
    resolvers[type] = { ...resolvers[type], ...extra };
  }
  return buildSubgraphSchema({
    typeDefs: parse(`${FEDERATION_LINK}\n${printSchemaWithDirectives(schema)}`),
    resolvers: resolvers as never,
  });
}

interface SubgraphRuntimeOptions {
  databaseUrl: string;
  port: number;
  host?: string;
  gatewayJwksPath: string;
  /** Seed demo data into an empty schema on start. */
  seed?: PopulationOptions | null;
  logger?: Logger;
  poolSize?: number;
  databaseLogger?: DatabaseOptions['logger'];
  /** On stop, how long requests in flight may take before their connections are cut. */
  shutdownGraceMs?: number;
}

export interface RunningSubgraph {
  name: string;
  url: string;
  port: number;
  db: DataSource;
  stop(): Promise<void>;
}

/** No answer of a subgraph may be kept by a cache on the way. */
const ANSWER_HEADERS = { 'cache-control': 'no-store' };
/** A subgraph serves the gateway's few query plans: a small cache holds them all. */
const MAX_CACHED_DOCUMENTS = 1_000;
const MAX_CACHED_DOCUMENT_CHARS = 2_000_000;

/** How long a readiness probe waits for the database. */
const READY_DATABASE_TIMEOUT_MS = 2_000;

export async function startSubgraph<L>(module: SubgraphModule<L>, options: SubgraphRuntimeOptions): Promise<RunningSubgraph> {
  const logger = options.logger ?? pino({ name: module.name });
  const schemaName = module.schema;
  const db = await openDatabase({
    url: options.databaseUrl,
    schema: schemaName,
    entities: module.entities,
    migrations: module.migrations,
    applicationName: `hub-${module.name}`,
    ...(options.poolSize ? { poolSize: options.poolSize } : {}),
    ...(options.databaseLogger ? { logger: options.databaseLogger } : {}),
  });
  if (options.seed && module.seed) await seedOnStart(module.name, db, schemaName, module.seed, options.seed, logger, options.port, options.host);
  const { resource } = catalogEntry(module.name);
  const verifyCaller = createCallerVerifier(module.name, loadJwks(options.gatewayJwksPath));
  const journal = new QueryJournal(sqlOf(db), schemaName);
  const schema = await buildFederatedSchema(module);

  /** Once a request has run, its R6 record committed before the answer leaves; no record, no answer. */
  const complete = async ({ caller, outcome }: SubgraphContext<L>) => {
    try {
      await journal.record(caller.registrationNumber, outcome.records > 0);
    } catch (error) {
      // Fail closed, and say so: the database's own text stays in this system's log.
      logger.error({ err: error, reg: caller.registrationNumber }, 'R6 journal not written: answer withheld');
      throw new RequestRejected(503, 'AUDIT_UNAVAILABLE', "This system's own journal cannot be written, so no data is served.");
    }
  };
  const context = async (req: IncomingMessage): Promise<SubgraphContext<L>> => {
    const caller = await verifyCaller(req.headers.authorization);
    const outcome = new Outcome();
    return { caller, db, outcome, loaders: module.createLoaders(db, outcome, caller) };
  };
  const server: Server = createHttpServer({
    graphql: createGraphQLEndpoint({
      schema,
      context,
      complete,
      attributes: ({ caller }) => ({
        [ATTR.registrationNumber]: caller.registrationNumber,
        [ATTR.agency]: caller.agency,
        [ATTR.subgraph]: module.name,
        [ATTR.resource]: resource,
      }),
      headers: ANSWER_HEADERS,
      documents: validDocuments(MAX_CACHED_DOCUMENTS, MAX_CACHED_DOCUMENT_CHARS),
    }),
    routes: {
      '/health': (_req, res) => sendJson(res, 200, { status: 'ok', subgraph: module.name }),
      '/ready': async (_req, res) => {
        if (graceful.closing) return sendJson(res, 503, { status: 'stopping', subgraph: module.name });
        const database = await databaseAnswers(db);
        sendJson(res, database ? 200 : 503, { status: database ? 'ready' : 'not ready', subgraph: module.name, database: database ? 'ok' : 'unreachable' });
      },
    },
  });
  const graceful = new GracefulServer(server);
  const port = await listen(server, options.port, options.host);
  const url = `http://127.0.0.1:${port}/graphql`;
  logger.info({ url }, 'subgraph listening');
  return {
    name: module.name,
    url,
    port,
    db,
    async stop() {
      await graceful.close(options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS);
      await db.destroy();
    },
  };
}

/** A database that does not answer within the probe's timeout is as good as down. */
async function databaseAnswers(db: DataSource): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), READY_DATABASE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([
      db.query('SELECT 1').then(
        () => true,
        () => false,
      ),
      timedOut,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
