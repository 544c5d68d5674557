import { operatorConfig } from './config';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { exportMonth, monthBounds, verifyArchive, type ArchiveSummary } from '@hub/audit';
import { loadGatewaySigningKey } from '@hub/gateway';
import { describeResult, readJwks, verifyJournal } from './audit-verify';

/**
 * `npm run audit:archive -- --out DIR [--month YYYY-MM] [--detach]`: exports closed months of
 * the journal as signed files (docs/journal-archive.md), each verified after writing. Before
 * exporting, the whole chain is verified against the signed checkpoints: a tampered journal
 * is not archived. With --detach, an archived month's partition is detached from
 * audit.journal (kept as a table for the operator to drop once the file is stored safely).
 */
const CLOSED_AFTER_MS = 24 * 3600_000;

export interface ArchiveOptions {
  url: string;
  outDir: string;
  keysDir: string;
  month?: string;
  detach?: boolean;
  checkpointDir?: string;
  now?: Date;
}

export interface ArchivedMonth extends ArchiveSummary {
  path: string;
  detached: boolean;
}

/** Months whose partition is still attached and that ended a day or more ago. */
async function closedMonths(client: Client, now: Date): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    "SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'audit.journal'::regclass ORDER BY 1",
  );
  return rows
    .map((r) => /^journal_(\d{4})_(\d{2})$/.exec(r.name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `${m[1]}-${m[2]}`)
    .filter((month) => monthBounds(month).to.getTime() + CLOSED_AFTER_MS <= now.getTime());
}

export async function archiveJournal(options: ArchiveOptions): Promise<ArchivedMonth[]> {
  const now = options.now ?? new Date();
  const key = await loadGatewaySigningKey(options.keysDir);
  const jwks = readJwks(join(options.keysDir, 'gateway.jwks.json'))!;
  const verified = await verifyJournal(options.url, { jwks, ...(options.checkpointDir ? { checkpointDir: options.checkpointDir } : {}) });
  if (verified.broken || (verified.checkpoints?.forged.length ?? 0) > 0)
    throw new Error(`the journal does not verify, nothing archived: ${describeResult(verified)}`);
  mkdirSync(options.outDir, { recursive: true });
  const client = new Client({ connectionString: options.url, application_name: 'hub-audit-archive' });
  await client.connect();
  try {
    const months = options.month ? [options.month] : await closedMonths(client, now);
    const archived: ArchivedMonth[] = [];
    for (const month of months) {
      if (monthBounds(month).to.getTime() + CLOSED_AFTER_MS > now.getTime())
        throw new Error(`${month} is not closed yet: a month is archived a day after it ends`);
      const path = join(options.outDir, `journal-${month}.jsonl.gz`);
      if (existsSync(path)) throw new Error(`${path} exists: an archive is never overwritten`);
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      await client.query('SET LOCAL extra_float_digits = 3');
      const summary = await exportMonth(client, key, month, path, options.checkpointDir);
      await client.query('COMMIT');
      const check = await verifyArchive(path, jwks);
      if (!check.ok) throw new Error(`${path} does not verify after writing: ${check.problem}`);
      archived.push({ ...summary, path, detached: false });
    }
    // Only once every month is exported: a month's links name records of the months around it.
    for (const a of options.detach ? archived : []) {
      await client.query(`ALTER TABLE audit.journal DETACH PARTITION audit."journal_${a.month.replace('-', '_')}"`);
      a.detached = true;
    }
    return archived;
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { out: { type: 'string' }, month: { type: 'string' }, detach: { type: 'boolean', default: false }, keys: { type: 'string' } },
  });
  const url = process.env['AUDIT_DATABASE_URL'] ?? process.env['DATABASE_URL'];
  if (!url || !values.out) {
    console.error('usage: AUDIT_DATABASE_URL=… npm run audit:archive -- --out DIR [--month YYYY-MM] [--detach] [--keys DIR]');
    process.exitCode = 2;
    return;
  }
  try {
    const archived = await archiveJournal({
      url,
      outDir: resolve(values.out),
      keysDir: values.keys ? resolve(values.keys) : operatorConfig(process.env).keysDir,
      detach: values.detach,
      ...(values.month ? { month: values.month } : {}),
      ...(process.env['AUDIT_CHECKPOINT_DIR'] ? { checkpointDir: process.env['AUDIT_CHECKPOINT_DIR'] } : {}),
    });
    if (archived.length === 0) console.log('audit:archive: no closed month left to archive');
    for (const a of archived)
      console.log(
        `audit:archive: ${a.month}: ${a.records} records (seq ${a.firstSeq}–${a.lastSeq}) → ${a.path}, sha256 ${a.sha256}${a.detached ? ', partition detached' : ''}`,
      );
  } catch (error) {
    console.error(`audit:archive: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}

if (require.main === module) void main();
