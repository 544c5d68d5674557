import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { JSONWebKeySet } from 'jose';
import { auditJournalSchema, openCheckpoint } from '@hub/audit';
import { openDatabase } from '@hub/kit';
import { createTestDatabase, createTestKeys, type TestDatabase, type TestKeys } from '@hub/kit/testing';
import { PostgresAuditJournal } from '../src/journal/writer';
import { gatewayConfigFromEnv } from '../src/config';
import { JournalUpkeep } from '../src/journal/upkeep';
import { journalEntry } from './support/journal-entry';

const ROOT = join(__dirname, '../../..');
/** The upkeep settings as the gateway reads them, from an environment that is otherwise complete. */
const upkeepOptionsFromEnv = (env: Record<string, string>) =>
  gatewayConfigFromEnv({
    DATABASE_URL: 'postgres://127.0.0.1/hub',
    POLICIES_DIR: join(ROOT, 'policies'),
    SUPERGRAPH_PATH: join(ROOT, 'schema/supergraph.graphql'),
    ...env,
  }).upkeep;

describe('the journal upkeep', () => {
  let database: TestDatabase;
  let admin: Client;
  let keys: TestKeys;
  let dir: string;
  before(async () => {
    database = await createTestDatabase();
    await (await openDatabase({ url: database.url, applicationName: 'upkeep-test', ...auditJournalSchema })).destroy();
    admin = new Client({ connectionString: database.url });
    await admin.connect();
    keys = await createTestKeys();
    dir = mkdtempSync(join(tmpdir(), 'hub-checkpoints-'));
  });
  after(async () => {
    await admin.end();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads its settings from the environment and refuses a bad interval', () => {
    assert.deepEqual(upkeepOptionsFromEnv({ AUDIT_CHECKPOINT_DIR: '/var/lib/hub/checkpoints', AUDIT_CHECKPOINT_INTERVAL_S: '30' }), {
      checkpointDir: '/var/lib/hub/checkpoints',
      checkpointEveryMs: 30_000,
      partitionsEveryMs: 86_400_000,
      monthsAhead: 2,
    });
    assert.throws(() => upkeepOptionsFromEnv({ AUDIT_CHECKPOINT_INTERVAL_S: 'often' }), /AUDIT_CHECKPOINT_INTERVAL_S/);
  });

  it("creates the months ahead at start, and signs the chain's end into the table and the directory, last on close", async () => {
    const options = { ...upkeepOptionsFromEnv({ AUDIT_CHECKPOINT_DIR: dir }), monthsAhead: 5 };
    const journal = PostgresAuditJournal.connect(database.url).keepUp(await JournalUpkeep.start(database.url, keys.signingKey, options));
    const ahead = new Date();
    ahead.setUTCMonth(ahead.getUTCMonth() + 5, 1);
    const name = `journal_${ahead.toISOString().slice(0, 7).replace('-', '_')}`;
    const {
      rows: [partition],
    } = await admin.query<{ exists: boolean }>('SELECT to_regclass($1) IS NOT NULL AS exists', [`audit.${name}`]);
    assert.equal(partition?.exists, true, name);

    await Promise.all([1, 2, 3].map((n) => journal.append(journalEntry(n))));
    await journal.close();
    const {
      rows: [last],
    } = await admin.query<{ seq: string; hash: string }>('SELECT seq, hash FROM audit.journal ORDER BY seq DESC LIMIT 1');
    const { rows: stored } = await admin.query<{ jws: string }>('SELECT jws FROM audit.checkpoints');
    const files = readdirSync(dir).filter((f) => f.endsWith('.jws'));
    assert.equal(stored.length, 1);
    assert.equal(files.length, 1);
    const jwks = JSON.parse(readFileSync(keys.jwksPath, 'utf8')) as JSONWebKeySet;
    const fromFile = await openCheckpoint(readFileSync(join(dir, files[0]!), 'utf8'), jwks);
    assert.deepEqual({ seq: fromFile.seq, hash: fromFile.hash, kind: fromFile.kind }, { seq: last!.seq, hash: last!.hash, kind: 'head' });
    assert.deepEqual(await openCheckpoint(stored[0]!.jws, jwks), fromFile);
  });
});
