import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Pool } from 'pg';
import { ConfigError, EnvReader } from '../src/config';
import { databaseHosts } from '../src/database-url';
import { poolTarget } from '../src/primary';
import { createTestDatabase, type TestDatabase } from '../src/testing';

describe("a database URL listing a primary and its standbys (libpq's form)", () => {
  it('splits into servers, each with its own URL, and keeps the rest', () => {
    assert.deepEqual(databaseHosts('postgres://hub:secret@db-a:5433,db-b,[::1]:5434/hub?sslmode=require'), {
      hosts: [
        { host: 'db-a', port: 5433 },
        { host: 'db-b', port: 5432 },
        { host: '::1', port: 5434 },
      ],
      firstUrl: 'postgres://hub:secret@db-a:5433/hub?sslmode=require',
      urls: [
        'postgres://hub:secret@db-a:5433/hub?sslmode=require',
        'postgres://hub:secret@db-b/hub?sslmode=require',
        'postgres://hub:secret@[::1]:5434/hub?sslmode=require',
      ],
    });
    const one = 'postgres://hub@db:5432/hub';
    assert.deepEqual(databaseHosts(one), { hosts: [{ host: 'db', port: 5432 }], firstUrl: one, urls: [one] });
    assert.deepEqual(poolTarget(one), { connectionString: one }, 'one server: pg as it is, no discovery');
  });

  it('is refused when malformed, and is accepted as DATABASE_URL only with a postgres scheme', () => {
    for (const bad of ['not a url', 'postgres://db-a:5432,:5433/hub', 'postgres://db-a:99999,db-b/hub', 'postgres://db-a:x,db-b/hub']) {
      assert.throws(() => databaseHosts(bad), Error, bad);
      assert.throws(() => new EnvReader({ DATABASE_URL: bad }).databaseUrl('DATABASE_URL'), /^Error: DATABASE_URL is not a valid URL/, bad);
    }
    const read = (url: string) => new EnvReader({ DATABASE_URL: url }).databaseUrl('DATABASE_URL');
    assert.equal(read('postgresql://db-a,db-b/hub'), 'postgresql://db-a,db-b/hub');
    assert.throws(
      () => read('redis://a,b/0'),
      (e: Error) => e instanceof ConfigError && /expected a postgres:\/\//.test(e.message),
    );
  });
});

describe('a pool on a list of servers', () => {
  let database: TestDatabase;
  let closedPort: number;
  before(async () => {
    database = await createTestDatabase();
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closedPort = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  after(() => database.drop());

  it('connects to the server that accepts writes, past one that does not answer', async () => {
    const url = new URL(database.url);
    const listed = database.url.replace(`@${url.host}`, `@127.0.0.1:${closedPort},${url.host}`);
    assert.equal(databaseHosts(listed).hosts.length, 2);
    const pool = new Pool({ ...poolTarget(listed), max: 2 });
    try {
      const { rows } = await pool.query<{ port: number; standby: boolean }>('SELECT inet_server_port() AS port, pg_is_in_recovery() AS standby');
      assert.equal(rows[0]?.standby, false);
      if (database.real) assert.equal(rows[0]?.port, Number(url.port || 5432));
    } finally {
      await pool.end();
    }
  });
});
