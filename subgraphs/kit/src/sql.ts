import type { Pool, QueryResultRow } from 'pg';
import { getMetadataArgsStorage, type DataSource } from 'typeorm';
import type { EntityClass } from './database';
import { SnakeNamingStrategy } from './naming';

/**
 * Plain parameterised SQL for the hot lookups, straight on the DataSource's pool: typeorm's
 * query building and row mapping cost more than the database's answer. A named statement is
 * parsed and planned once per connection; the name must be unique per text within a pool.
 */
export interface Statement {
  name: string;
  text: string;
}

export interface Sql {
  query<R extends QueryResultRow>(statement: Statement, values: unknown[]): Promise<R[]>;
}

const runners = new WeakMap<DataSource, Sql>();

/**
 * PGlite serves every connection from one shared session, where a statement one connection
 * prepared already exists for the next: there statements go unnamed.
 */
export async function registerSql(db: DataSource): Promise<void> {
  const [row] = (await db.query('SELECT version() AS version')) as Array<{ version: string }>;
  const named = !/PGlite/.test(row?.version ?? '');
  const pool = (db.driver as unknown as { master: Pool }).master;
  // A database logger (tests only: the query counter, the EXPLAIN check) sees these as it sees typeorm's own.
  const logger = db.options.logging ? db.logger : undefined;
  runners.set(db, {
    async query<R extends QueryResultRow>(statement: Statement, values: unknown[]) {
      logger?.logQuery(statement.text, values);
      const result = await pool.query<R>(named ? { name: statement.name, text: statement.text, values } : { text: statement.text, values });
      return result.rows;
    },
  });
}

export function sqlOf(db: DataSource): Sql {
  const sql = runners.get(db);
  if (!sql) throw new Error('this DataSource was not opened with openDatabase');
  return sql;
}

const naming = new SnakeNamingStrategy();

function columnsOf(entity: EntityClass): Array<{ property: string; column: string }> {
  const columns = getMetadataArgsStorage().columns.filter((c) => c.target === entity);
  if (columns.length === 0) throw new Error(`${String((entity as { name?: string }).name)} has no typeorm columns`);
  return columns.map((c) => ({ property: c.propertyName, column: naming.columnName(c.propertyName, c.options.name, []) }));
}

/** An entity's columns as `alias."column" AS "property"`: a raw row then reads like the entity typeorm would have built. */
export function entityColumns(entity: EntityClass, alias: string): string {
  return columnsOf(entity)
    .map(({ property, column }) => `${alias}."${column}" AS "${property}"`)
    .join(', ');
}

/** The same as one JSON object, for rows nested in another query (json_agg); dates stay YYYY-MM-DD. */
export function entityJson(entity: EntityClass, alias: string): string {
  return `json_build_object(${columnsOf(entity)
    .map(({ property, column }) => `'${property}', ${alias}."${column}"`)
    .join(', ')})`;
}
