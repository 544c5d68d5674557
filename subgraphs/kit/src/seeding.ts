import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import type { EntityClass } from './database';
import type { PopulationOptions } from './synthetic/population';

/** One table a subgraph's share of the population is loaded into, and its columns in row order. */
export interface SeedTable {
  entity: EntityClass;
  columns: readonly string[];
}

/**
 * A subgraph's share of the synthetic population: its tables and, for each step (a citizen, a
 * foreigner, a stock blank …), the rows that step adds. `rowsOf` must be a pure function of
 * (population, step), so any step can be regenerated and compared with what was loaded.
 */
export interface PopulationSeed<T extends string = string> {
  tables: Record<T, SeedTable>;
  steps(population: PopulationOptions): number;
  rowsOf(population: PopulationOptions, step: number, row: (table: T, values: readonly unknown[]) => void): void;
}

export function definePopulationSeed<T extends string>(seed: PopulationSeed<T>): PopulationSeed<T> {
  return seed;
}

/** What a seed in progress reports on its log and, while it runs, on the subgraph's /ready. */
export interface SeedProgress {
  phase: 'loading' | 'indexing' | 'analyzing';
  steps: number;
  ofSteps: number;
  rows: number;
  rowsPerSecond: number;
  /** Seconds left in the loading phase, from the rate so far. */
  etaSeconds: number | null;
  indexes: number;
  ofIndexes: number;
}

const STATE_TABLE = 'seed_state';
/** Encoded rows are handed to a COPY stream in buffers of about this many bytes. */
const CHUNK_BYTES = 1024 * 1024;
const PROGRESS_EVERY_MS = 5_000;

/** COPY's text format: tab-separated, `\N` for null, backslash escapes. */
function escapeText(value: string): string {
  return /[\\\t\n\r]/.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')) : value;
}

function arrayLiteral(items: readonly unknown[]): string {
  return `{${items.map((item) => (item === null ? 'NULL' : `"${String(item).replace(/["\\]/g, (c) => `\\${c}`)}"`)).join(',')}}`;
}

export function copyLine(values: readonly unknown[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (i > 0) line += '\t';
    if (value === null || value === undefined) line += '\\N';
    else if (typeof value === 'boolean') line += value ? 't' : 'f';
    else if (Array.isArray(value)) line += escapeText(arrayLiteral(value));
    else line += escapeText(String(value));
  }
  return `${line}\n`;
}

/**
 * Rows in COPY's text format, each written as UTF-8 straight into a large buffer. Appending them to
 * one long string instead, then converting it, spent most of a seed's time flattening that string
 * and collecting its pieces (measured: the citizens schema's rows encoded twice as fast this way).
 */
export class CopyEncoder {
  private buffer: Buffer;
  private at = 0;
  private full: Buffer[] = [];
  private fullBytes = 0;

  constructor(private readonly chunkBytes = CHUNK_BYTES) {
    this.buffer = Buffer.allocUnsafe(chunkBytes);
  }

  add(values: readonly unknown[]): void {
    const line = copyLine(values);
    // UTF-8 takes at most three bytes per UTF-16 unit.
    if (this.at + 3 * line.length > this.buffer.length) this.next(3 * line.length);
    this.at += this.buffer.write(line, this.at);
  }

  /** Bytes encoded and not yet taken. */
  get size(): number {
    return this.fullBytes + this.at;
  }

  /** Everything encoded so far; later rows go to new buffers, so these stay as they are. */
  take(): Buffer[] {
    this.next(0);
    const taken = this.full;
    this.full = [];
    this.fullBytes = 0;
    return taken;
  }

  private next(room: number): void {
    if (this.at > 0) {
      this.full.push(this.buffer.subarray(0, this.at));
      this.fullBytes += this.at;
    }
    this.buffer = Buffer.allocUnsafe(Math.max(this.chunkBytes, room));
    this.at = 0;
  }
}

/** Where one table's rows go: a COPY stream on its own connection, or INSERT batches where COPY is missing. */
interface TableSink {
  add(values: readonly unknown[]): void;
  /** Hands buffered rows on; resolves when the destination can take more. */
  flush(): Promise<void>;
  end(): Promise<void>;
}

class CopySink implements TableSink {
  private readonly rows = new CopyEncoder();
  private failure: Error | null = null;

  private constructor(private readonly stream: Writable) {
    // Kept, not thrown from an event: the load sees it at its next flush, or when it ends.
    stream.on('error', (error: Error) => {
      this.failure = error;
    });
  }

  static async open(client: Client, table: string, columns: readonly string[]): Promise<CopySink> {
    // Truncated in the same transaction, the table can take its rows frozen: no later rewrite to set hint bits.
    await client.query('BEGIN');
    await client.query(`TRUNCATE ${table} RESTART IDENTITY`);
    const stream = client.query(copyFrom(`COPY ${table} (${columns.map((c) => `"${c}"`).join(', ')}) FROM STDIN WITH (FREEZE)`));
    return new CopySink(stream);
  }

  add(values: readonly unknown[]): void {
    this.rows.add(values);
  }

  async flush(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.rows.size < CHUNK_BYTES) return;
    let more = true;
    for (const buffer of this.rows.take()) more = this.stream.write(buffer);
    if (!more) await once(this.stream, 'drain');
  }

  async end(): Promise<void> {
    if (this.failure) throw this.failure;
    const done = once(this.stream, 'finish');
    for (const buffer of this.rows.take()) this.stream.write(buffer);
    this.stream.end();
    await done;
  }
}

/** Multi-row INSERTs below PostgreSQL's 65,535-parameter limit: for the embedded PGlite, whose wire protocol has no COPY FROM STDIN. */
class InsertSink implements TableSink {
  private rows: Array<readonly unknown[]> = [];
  private readonly perStatement: number;

  private constructor(
    private readonly client: Client,
    private readonly table: string,
    private readonly columns: readonly string[],
  ) {
    this.perStatement = Math.max(1, Math.floor(60_000 / columns.length));
  }

  static async open(client: Client, table: string, columns: readonly string[]): Promise<InsertSink> {
    await client.query(`TRUNCATE ${table} RESTART IDENTITY`);
    return new InsertSink(client, table, columns);
  }

  add(values: readonly unknown[]): void {
    this.rows.push(values);
  }

  async flush(): Promise<void> {
    if (this.rows.length >= this.perStatement) await this.insert();
  }

  async end(): Promise<void> {
    await this.insert();
  }

  private async insert(): Promise<void> {
    const rows = this.rows;
    this.rows = [];
    for (let start = 0; start < rows.length; start += this.perStatement) {
      const params: unknown[] = [];
      const tuples = rows.slice(start, start + this.perStatement).map(
        (row) =>
          `(${row
            .map((value) => {
              params.push(value);
              return `$${params.length}`;
            })
            .join(', ')})`,
      );
      await this.client.query(`INSERT INTO ${this.table} (${this.columns.map((c) => `"${c}"`).join(', ')}) VALUES ${tuples.join(', ')}`, params);
    }
  }
}

/** An index or constraint that is dropped before the load and built again after it. */
interface Deferred {
  name: string;
  drop: string;
  create: string;
}

interface SeedState {
  seed: number;
  citizens: number;
  foreigners: number;
  complete: boolean;
  deferred: Deferred[];
}

const sameSize = (state: SeedState, population: PopulationOptions) =>
  state.seed === population.seed && state.citizens === population.citizens && state.foreigners === population.foreigners;

/** The indexes and unique/primary-key constraints of the tables, as statements to drop and re-create them. */
async function indexesOf(client: Client, tables: readonly string[]): Promise<Deferred[]> {
  const { rows } = await client.query<Deferred>(
    `
    SELECT c.conname AS name,
           format('ALTER TABLE %s DROP CONSTRAINT IF EXISTS %I', c.conrelid::regclass::text, c.conname) AS drop,
           format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)) AS create
      FROM pg_constraint c WHERE c.conrelid = ANY($1::regclass[]) AND c.contype IN ('p', 'u')
    UNION ALL
    SELECT i.indexrelid::regclass::text,
           format('DROP INDEX IF EXISTS %s', i.indexrelid::regclass::text),
           pg_get_indexdef(i.indexrelid)
      FROM pg_index i WHERE i.indrelid = ANY($1::regclass[])
       AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid)`,
    [tables],
  );
  return rows;
}

function clientFor(db: DataSource, schema: string): Client {
  const { url } = db.options as { url?: string };
  return new Client({ connectionString: url, application_name: `hub-seed-${schema}` });
}

interface SeedOptions {
  logger: Logger;
  /** Called whenever the progress changes (the log gets it every few seconds). */
  onProgress?: (progress: SeedProgress) => void;
}

/**
 * Loads a subgraph's share of the population, all or nothing: a row in `<schema>.seed_state`
 * says which population (seed and sizes) is loaded and whether its load finished. A complete
 * load of the same population is kept; anything else (an interrupted load, another size or
 * seed) is truncated and loaded again. Indexes and keys are dropped before the load (their
 * definitions kept in the state row, so an interrupted load still knows them) and built after.
 */
export async function seedPopulation(
  db: DataSource,
  schema: string,
  source: PopulationSeed,
  population: PopulationOptions,
  options: SeedOptions,
): Promise<'kept' | 'loaded'> {
  const control = clientFor(db, schema);
  await control.connect();
  try {
    // Replicas of one subgraph seed one after the other; the second finds the first's marker.
    await control.query('SELECT pg_advisory_lock(hashtext($1))', [`seed:${schema}`]);
    await control.query(`CREATE TABLE IF NOT EXISTS "${schema}"."${STATE_TABLE}" (
      "id" boolean PRIMARY KEY DEFAULT true CHECK ("id"),
      "seed" bigint NOT NULL, "citizens" integer NOT NULL, "foreigners" integer NOT NULL,
      "complete" boolean NOT NULL, "deferred" jsonb NOT NULL, "updated_at" timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await control.query<SeedState>(`SELECT seed::float8 AS seed, citizens, foreigners, complete, deferred FROM "${schema}"."${STATE_TABLE}"`);
    const previous = rows[0];
    if (previous?.complete && sameSize(previous, population)) return 'kept';
    if (previous)
      options.logger.warn(
        { previous: { seed: previous.seed, citizens: previous.citizens, foreigners: previous.foreigners, complete: previous.complete } },
        'the population in the database is partial or another one: loading it again',
      );

    const tables = Object.values(source.tables).map(({ entity }) => quotedTable(db, entity));
    // Definitions an interrupted load dropped are only in its state row; the catalog has those migrations added since.
    const current = await indexesOf(control, tables);
    const deferred = [...current, ...(previous?.deferred ?? []).filter((d) => !current.some((c) => c.name === d.name))];
    await control.query(
      `INSERT INTO "${schema}"."${STATE_TABLE}" (seed, citizens, foreigners, complete, deferred) VALUES ($1, $2, $3, false, $4)
      ON CONFLICT (id) DO UPDATE SET seed = EXCLUDED.seed, citizens = EXCLUDED.citizens, foreigners = EXCLUDED.foreigners, complete = false, deferred = EXCLUDED.deferred, updated_at = now()`,
      [population.seed, population.citizens, population.foreigners, JSON.stringify(deferred)],
    );
    for (const d of deferred) await control.query(d.drop);

    const meter = new ProgressMeter(schema, source.steps(population), deferred.length, options);
    await load(db, schema, source, population, meter);
    await buildIndexes(control, tables, deferred, meter);
    await control.query(`UPDATE "${schema}"."${STATE_TABLE}" SET complete = true, deferred = '[]', updated_at = now()`);
    return 'loaded';
  } finally {
    await control.query('SELECT pg_advisory_unlock(hashtext($1))', [`seed:${schema}`]).catch(() => undefined);
    await control.end();
  }
}

class ProgressMeter {
  private readonly started = Date.now();
  private lastLog = Date.now();
  readonly progress: SeedProgress;

  constructor(
    private readonly schema: string,
    ofSteps: number,
    ofIndexes: number,
    private readonly options: SeedOptions,
  ) {
    this.progress = { phase: 'loading', steps: 0, ofSteps, rows: 0, rowsPerSecond: 0, etaSeconds: null, indexes: 0, ofIndexes };
  }

  update(change: Partial<SeedProgress>): void {
    Object.assign(this.progress, change);
    const elapsed = (Date.now() - this.started) / 1000;
    if (this.progress.phase === 'loading' && elapsed > 0) {
      this.progress.rowsPerSecond = Math.round(this.progress.rows / elapsed);
      const perStep = elapsed / Math.max(1, this.progress.steps);
      this.progress.etaSeconds = Math.round(perStep * (this.progress.ofSteps - this.progress.steps));
    }
    this.options.onProgress?.(this.progress);
    if (Date.now() - this.lastLog >= PROGRESS_EVERY_MS || change.phase !== undefined) {
      this.lastLog = Date.now();
      this.options.logger.info({ schema: this.schema, ...this.progress }, 'seeding');
    }
  }
}

const quotedTable = (db: DataSource, entity: EntityClass) =>
  db
    .getMetadata(entity)
    .tablePath.split('.')
    .map((part) => `"${part}"`)
    .join('.');

async function load(db: DataSource, schema: string, source: PopulationSeed, population: PopulationOptions, meter: ProgressMeter): Promise<void> {
  const names = Object.keys(source.tables);
  const first = clientFor(db, schema);
  const clients = [first];
  try {
    await first.connect();
    const version = (await first.query<{ version: string }>('SELECT version()')).rows[0]!.version;
    // The embedded PGlite has no COPY FROM STDIN on its wire protocol, and runs one transaction at a time across connections.
    const copy = !version.includes('PGlite');
    const sinks = new Map<string, TableSink>();
    for (const name of names) {
      const { entity, columns } = source.tables[name]!;
      let client = first;
      if (copy && sinks.size > 0) {
        client = clientFor(db, schema);
        clients.push(client);
        await client.connect();
      }
      sinks.set(name, await (copy ? CopySink.open(client, quotedTable(db, entity), columns) : InsertSink.open(client, quotedTable(db, entity), columns)));
    }
    const total = meter.progress.ofSteps;
    meter.update({ phase: 'loading' });
    let rows = 0;
    const row = (table: string, values: readonly unknown[]) => {
      sinks.get(table)!.add(values);
      rows += 1;
    };
    // COPY sinks each have a client and write together; INSERT sinks share PGlite's one client and take turns
    // (pg runs one query at a time per client, and asking it for two at once is deprecated).
    const eachSink = async (act: (sink: TableSink) => Promise<void>) => {
      if (copy) await Promise.all([...sinks.values()].map(act));
      else for (const sink of sinks.values()) await act(sink);
    };
    for (let step = 0; step < total; step++) {
      source.rowsOf(population, step, row);
      if (step % 1000 === 999) {
        await eachSink((s) => s.flush());
        meter.update({ steps: step + 1, rows });
        // Let the probes and signals in: generating rows alone never yields to the event loop.
        await new Promise((resolveTurn) => setImmediate(resolveTurn));
      }
    }
    await eachSink((s) => s.end());
    if (copy) await Promise.all(clients.map((c) => c.query('COMMIT')));
    meter.update({ steps: total, rows });
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  }
}

async function buildIndexes(client: Client, tables: readonly string[], deferred: readonly Deferred[], meter: ProgressMeter): Promise<void> {
  meter.update({ phase: 'indexing', etaSeconds: null });
  // Sorting a large index in memory is much faster than spilling it to disk in small runs.
  await client.query("SET maintenance_work_mem = '1GB'");
  for (const [i, d] of deferred.entries()) {
    await client.query(d.create);
    meter.update({ indexes: i + 1 });
  }
  meter.update({ phase: 'analyzing' });
  await client.query(`ANALYZE ${tables.join(', ')}`);
}

/**
 * While a subgraph seeds, its port answers the probes: /health says the process is alive and
 * /ready says it is not, with the progress in the body, so a launcher (or Kubernetes) waits as
 * long as the load moves instead of giving up after a fixed time.
 */
export async function listenWhileSeeding(
  name: string,
  port: number,
  host: string | undefined,
  progress: () => SeedProgress | null,
): Promise<{ close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const healthy = req.url === '/health';
    res.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json', connection: 'close' });
    res.end(JSON.stringify(healthy ? { status: 'ok', subgraph: name } : { status: 'seeding', subgraph: name, progress: progress() }));
  });
  server.listen(port, host);
  await once(server, 'listening');
  return {
    async close() {
      const closed = once(server, 'close');
      server.close();
      server.closeAllConnections();
      await closed;
    },
  };
}

/**
 * A subgraph's seeding on start: its port (when fixed) answers the probes with the progress
 * while the population loads, and is freed for the subgraph's own server afterwards.
 */
export async function seedOnStart(
  name: string,
  db: DataSource,
  schema: string,
  source: PopulationSeed,
  population: PopulationOptions,
  logger: Logger,
  port: number,
  host?: string,
): Promise<void> {
  const seen: { progress: SeedProgress | null } = { progress: null };
  const probe = port === 0 ? null : await listenWhileSeeding(name, port, host, () => seen.progress);
  try {
    const started = Date.now();
    const outcome = await seedPopulation(db, schema, source, population, {
      logger,
      onProgress: (p) => {
        seen.progress = p;
      },
    });
    if (outcome === 'loaded') logger.info({ ms: Date.now() - started, citizens: population.citizens, rows: seen.progress?.rows }, 'seeded demo data');
  } finally {
    await probe?.close();
  }
}
