import { DataSource, type MigrationInterface, type EntitySchema, type Logger } from 'typeorm';
import { types } from 'pg';
import { SnakeNamingStrategy } from './naming';
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
  return new DataSource({
    type: 'postgres',
    url: options.url,
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

/** Multi-row INSERTs in chunks below PostgreSQL's 65,535-parameter limit. */
async function insertRows(dataSource: DataSource, table: string, columns: readonly string[], rows: ReadonlyArray<readonly unknown[]>): Promise<void> {
  const perChunk = Math.max(1, Math.floor(60_000 / columns.length));
  const columnList = columns.map((c) => `"${c}"`).join(', ');
  for (let start = 0; start < rows.length; start += perChunk) {
    const chunk = rows.slice(start, start + perChunk);
    const params: unknown[] = [];
    const tuples = chunk.map((row) => `(${row.map((value) => { params.push(value); return `$${params.length}`; }).join(', ')})`);
    await dataSource.query(`INSERT INTO ${table} (${columnList}) VALUES ${tuples.join(', ')}`, params);
  }
}

/** Collects rows and flushes them in large batches, so seeding a million persons stays fast. */
export class RowBuffer {
  private readonly rows = new Map<string, { columns: readonly string[]; rows: unknown[][] }>();

  constructor(private readonly dataSource: DataSource, private readonly flushAt = 20_000) {}

  /** A row of the entity's table, in the subgraph's own schema. */
  async add(entity: EntityClass, columns: readonly string[], row: unknown[]): Promise<void> {
    const table = this.dataSource.getMetadata(entity).tablePath;
    let entry = this.rows.get(table);
    if (!entry) {
      entry = { columns, rows: [] };
      this.rows.set(table, entry);
    }
    entry.rows.push(row);
    if (entry.rows.length >= this.flushAt) await this.flushTable(table);
  }

  async flush(): Promise<void> {
    for (const table of this.rows.keys()) await this.flushTable(table);
  }

  private async flushTable(table: string): Promise<void> {
    const entry = this.rows.get(table);
    if (!entry || entry.rows.length === 0) return;
    const batch = entry.rows;
    entry.rows = [];
    await insertRows(this.dataSource, table, entry.columns, batch);
  }
}
