import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from 'pg';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { copyLine, openDatabase, seedPopulation, type PopulationSeed, type SubgraphModule } from '@hub/kit';
import { loadSubgraphModule, loadSubgraphModules } from '@hub/kit/dev';
import type { PopulationOptions } from '@hub/kit/synthetic';
import { createTestDatabase, type TestDatabase } from '@hub/kit/testing';

/**
 * The population loaded by COPY is the generator's, row for row, and a load is all or nothing:
 * a complete one is kept, an interrupted one or one of another size is loaded again, with every
 * index and key it dropped built again.
 */
const POPULATION: PopulationOptions = { seed: 2012, citizens: 3_000, foreigners: 300 };
const silent = pino({ level: 'silent' });

const open = (database: TestDatabase, module: SubgraphModule<unknown>) =>
  openDatabase({
    url: database.url,
    schema: module.schema,
    entities: module.entities,
    migrations: module.migrations,
    applicationName: 'population-test',
    poolSize: 2,
  });

function tableOf(db: DataSource, source: PopulationSeed, name: string): string {
  return db
    .getMetadata(source.tables[name]!.entity)
    .tablePath.split('.')
    .map((p) => `"${p}"`)
    .join('.');
}

/** Rows per table the generator gives for `population`, and those of the sampled steps. */
function generated(source: PopulationSeed, population: PopulationOptions, sample: (step: number) => boolean) {
  const counts = new Map<string, number>();
  const sampled: Array<{ table: string; values: readonly unknown[] }> = [];
  const steps = source.steps(population);
  for (let step = 0; step < steps; step++) {
    source.rowsOf(population, step, (table, values) => {
      counts.set(table, (counts.get(table) ?? 0) + 1);
      if (sample(step)) sampled.push({ table, values });
    });
  }
  return { counts, sampled };
}

async function indexNames(client: Client, schema: string): Promise<string[]> {
  const { rows } = await client.query<{ indexname: string }>(
    "SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename <> 'seed_state' ORDER BY 1",
    [schema],
  );
  return rows.map((r) => r.indexname);
}

describe('the synthetic population loaded with COPY', () => {
  let database: TestDatabase;
  let client: Client;

  before(async () => {
    database = await createTestDatabase();
    client = new Client({ connectionString: database.url });
    await client.connect();
  });

  after(async () => {
    await client?.end();
    await database?.drop();
  });

  it('holds, in every schema, exactly the rows the generator gives, and a sample of them value for value', async () => {
    for (const module of loadSubgraphModules()) {
      const source = module.seed;
      if (!source) continue;
      const db = await open(database, module);
      try {
        assert.equal(await seedPopulation(db, module.schema, source, POPULATION, { logger: silent }), 'loaded');
        const { counts, sampled } = generated(source, POPULATION, (step) => step % 97 === 5 || step < 4);
        for (const [name, { columns }] of Object.entries(source.tables)) {
          const table = tableOf(db, source, name);
          const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
          assert.equal(rows[0]!.n, counts.get(name) ?? 0, `${table}: rows`);
          // Each sampled row, compared in PostgreSQL's own types: dates, times, numbers, arrays and nulls included.
          for (const { values } of sampled.filter((s) => s.table === name)) {
            const where = columns.map((c, i) => `"${c}" IS NOT DISTINCT FROM $${i + 1}`).join(' AND ');
            const found = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`, values as unknown[]);
            assert.equal(found.rows[0]!.n, 1, `${table}: the generator's row ${copyLine(values).trim()} is loaded once`);
          }
        }
      } finally {
        await db.destroy();
      }
    }
  });

  it('keeps a complete population, and loads again one that was interrupted or is of another size, indexes included', async () => {
    const module = loadSubgraphModule('citizens');
    const source = module.seed!;
    const db = await open(database, module);
    try {
      const small: PopulationOptions = { seed: 7, citizens: 500, foreigners: 50 };
      const citizens = async () => (await client.query<{ n: number }>('SELECT count(*)::int AS n FROM citizens.citizen')).rows[0]!.n;
      assert.equal(await seedPopulation(db, module.schema, source, small, { logger: silent }), 'loaded');
      const indexes = await indexNames(client, module.schema);
      assert.ok(indexes.length >= 6, `the citizens schema has its keys and indexes: ${indexes.join(', ')}`);
      assert.equal(await seedPopulation(db, module.schema, source, small, { logger: silent }), 'kept');

      // A load that stops half-way (the process killed, the disk full) leaves no marker of completion.
      const failing: PopulationSeed = {
        ...source,
        rowsOf(population, step, row) {
          if (step === 300) throw new Error('interrupted');
          source.rowsOf(population, step, row);
        },
      };
      const other: PopulationOptions = { ...small, citizens: 800 };
      await assert.rejects(seedPopulation(db, module.schema, failing, other, { logger: silent }), /interrupted/);
      const state = await client.query<{ complete: boolean }>('SELECT complete FROM citizens.seed_state');
      assert.equal(state.rows[0]!.complete, false);
      assert.notDeepEqual(await indexNames(client, module.schema), indexes, 'the interrupted load had dropped the indexes');

      assert.equal(await seedPopulation(db, module.schema, source, other, { logger: silent }), 'loaded');
      assert.equal(await citizens(), 800);
      assert.deepEqual(await indexNames(client, module.schema), indexes, 'every index and key is built again');
      assert.equal(await seedPopulation(db, module.schema, source, small, { logger: silent }), 'loaded', 'another size is loaded, not served');
      assert.equal(await citizens(), 500);
      assert.equal(await seedPopulation(db, module.schema, source, { ...small, seed: 8 }, { logger: silent }), 'loaded', 'another seed too');
    } finally {
      await db.destroy();
    }
  });
});
