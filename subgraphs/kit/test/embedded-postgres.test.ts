import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Pool } from 'pg';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src/dev/embedded-postgres';

describe('the embedded PostgreSQL (PGlite over the wire protocol)', () => {
  let pg: EmbeddedPostgres;
  let rssAfterStart = 0;
  before(async () => {
    pg = await startEmbeddedPostgres({ dataDir: mkdtempSync(join(tmpdir(), 'hub-pglite-')) });
    rssAfterStart = process.memoryUsage().rss;
  });
  after(async () => {
    await pg.stop();
  });

  it("on a new data folder, does not keep initdb's WebAssembly memory once it serves", () => {
    // initdb's instance holds about 400 MB more than the serving one (which holds about 300 MB);
    // run on the process's own thread, that memory stayed until some later garbage collection.
    assert.ok(rssAfterStart < 500 * 1024 * 1024, `RSS right after the start: ${Math.round(rssAfterStart / 1024 / 1024)} MB`);
  });

  it("keeps each connection's extended-protocol messages together under concurrency", async () => {
    // Two pools (two "subgraphs") writing at once with different parameter counts, as the
    // seeding does: interleaved Parse/Bind messages fail with "bind message supplies N parameters".
    const a = new Pool({ connectionString: pg.url, max: 4 });
    const b = new Pool({ connectionString: pg.url, max: 4 });
    try {
      await a.query('CREATE TABLE interleave (batch int, v int)');
      const insert = (pool: Pool, batch: number, rows: number) => {
        const values = Array.from({ length: rows }, (_w, k) => [batch, k]).flat();
        return pool.query(`INSERT INTO interleave VALUES ${Array.from({ length: rows }, (_w, k) => `($${2 * k + 1}, $${2 * k + 2})`).join(', ')}`, values);
      };
      await Promise.all([...Array.from({ length: 30 }, (_v, i) => insert(a, i, 1)), ...Array.from({ length: 30 }, (_v, i) => insert(b, 100 + i, 500))]);
      const { rows } = await a.query<{ n: number }>('SELECT count(*)::int AS n FROM interleave');
      assert.equal(rows[0]?.n, 30 + 30 * 500);
    } finally {
      await a.end();
      await b.end();
    }
  });

  it('does not let an idle connection hold up the others', async () => {
    const idle = new Client({ connectionString: pg.url });
    const busy = new Client({ connectionString: pg.url });
    await idle.connect();
    await busy.connect();
    try {
      const answered = await Promise.race([
        busy.query<{ n: number }>('SELECT $1::int AS n', [7]).then((r) => r.rows[0]?.n),
        new Promise((resolve) => setTimeout(() => resolve('blocked'), 5_000)),
      ]);
      assert.equal(answered, 7);
    } finally {
      await idle.end();
      await busy.end();
    }
  });
});
