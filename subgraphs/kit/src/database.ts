import { DataSource, type MigrationInterface, type EntitySchema, type Logger } from 'typeorm';
import { types } from 'pg';
import { SnakeNamingStrategy } from './naming';
import { poolTarget } from './primary';
import { registerSql } from './sql';

// Calendar dates stay YYYY-MM-DD strings: a Date object would shift them across time zones.
types.setTypeParser(1082, (value: string) => value);

// typeorm accepts classes or schemas; a plain Function type keeps subgraph lists simple.
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export type EntityClass = Function | EntitySchema;
export type MigrationClass = new () => MigrationInterface;

export interface DatabaseOptions {
  url: string;
  /** The subgraph's own PostgreSQL schema: owner systems never share tables. */
  schema: string;
  entities: EntityClass[];
  migrations: MigrationClass[];
  applicationName: string;
  poolSize?: number;
  logger?: Logger;
}

export function createDataSource(options: DatabaseOptions): DataSource {
  // A URL listing a primary and its standbys: typeorm parses the first, the Client finds the primary.
  const { connectionString, Client } = poolTarget(options.url);
  return new DataSource({
    type: 'postgres',
    url: connectionString,
    schema: options.schema,
    entities: options.entities,
    migrations: options.migrations,
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'all',
    namingStrategy: new SnakeNamingStrategy(),
    synchronize: false,
    logging: options.logger !== undefined,
    ...(options.logger ? { logger: options.logger } : {}),
    extra: {
      max: options.poolSize ?? 10,
      application_name: options.applicationName,
      // Fail fast instead of queueing forever when the server is gone; the pool reconnects.
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
      ...(Client ? { Client } : {}),
    },
  });
}

/**
 * Opens the subgraph's database and brings its schema up to date. The advisory lock keeps
 * two replicas of one subgraph from migrating at once.
 */
export async function openDatabase(options: DatabaseOptions): Promise<DataSource> {
  const dataSource = createDataSource(options);
  await dataSource.initialize();
  await registerSql(dataSource);
  const runner = dataSource.createQueryRunner();
  try {
    await runner.query('SELECT pg_advisory_lock(hashtext($1))', [`migrate:${options.schema}`]);
    await runner.query(`CREATE SCHEMA IF NOT EXISTS "${options.schema}"`);
    await dataSource.runMigrations({ transaction: 'all' });
  } finally {
    await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [`migrate:${options.schema}`]).catch(() => undefined);
    await runner.release();
  }
  return dataSource;
}
