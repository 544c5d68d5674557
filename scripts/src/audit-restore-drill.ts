import { parseArgs } from 'node:util';
import type { JSONWebKeySet } from 'jose';
import { poolTarget } from '@hub/kit';
import { Pool } from 'pg';
import { describeResult, readJwks, verifyJournal } from './audit-verify';
import { freeLoopbackPort, queryOne, ScratchCluster, waitFor } from './pg-cluster';

/**
 * `npm run audit:restore-drill -- --backup DIR --archive DIR`: a backup counts once it has been
 * restored. The base backup and the WAL archive are recovered into a scratch server on this
 * machine (PostgreSQL's own tools, a loopback port, a folder under /tmp removed afterwards), the
 * journal there is verified (`audit:verify`, with the signed checkpoints), and its last signed
 * checkpoint is compared with the live journal's. The live database (AUDIT_DATABASE_URL) is asked
 * to close its current WAL file first, so the archive reaches now.
 */
export interface RestoreDrillResult {
  /** Verification of the restored journal, as audit:verify prints it. */
  verified: string;
  intact: boolean;
  restoredCheckpoint: CheckpointRow | null;
  liveCheckpoint: CheckpointRow | null;
  /** The live journal holds the restored one's last signed checkpoint, the same seq and hash. */
  sameCheckpoint: boolean;
  /** Checkpoints the live journal signed past it (the gateway kept signing while the drill ran). */
  liveSignedSince: number;
  /** The restored journal's last record, seq. */
  restoredHead: string | null;
}

interface CheckpointRow {
  seq: string;
  hash: string;
}

async function checkpoints(url: string): Promise<CheckpointRow[]> {
  const pool = new Pool({ ...poolTarget(url), max: 1 });
  try {
    // c.seq, the number: a bare `seq` would sort by the text column of the same name.
    return (await pool.query<CheckpointRow>('SELECT c.seq::text AS seq, c.hash FROM audit.checkpoints c ORDER BY c.seq, c.id')).rows;
  } finally {
    await pool.end();
  }
}

/** Closes the live server's current WAL file and waits until the archive holds it. */
export async function archiveNow(liveUrl: string, timeoutMs = 30_000): Promise<void> {
  const pool = new Pool({ ...poolTarget(liveUrl), max: 1 });
  try {
    const { rows } = await pool.query<{ wal: string }>('SELECT pg_walfile_name(pg_switch_wal()) AS wal');
    const wal = rows[0]!.wal;
    // WAL file names sort in the order they were written (timeline, then position).
    await waitFor(
      `WAL file ${wal} in the archive`,
      async () => ((await pool.query<{ last: string | null }>('SELECT last_archived_wal AS last FROM pg_stat_archiver')).rows[0]?.last ?? '') >= wal,
      timeoutMs,
    );
  } finally {
    await pool.end();
  }
}

export interface RestoreDrillOptions {
  backupDir: string;
  archiveDir: string;
  /** The live journal's database. */
  liveUrl: string;
  /** The database holding audit.journal, on the restored server too. */
  database: string;
  jwks: JSONWebKeySet;
  /** The gateway's checkpoint files outside the database: a restore that ends before one of them is truncated. */
  checkpointDir?: string;
}

export async function restoreDrill(options: RestoreDrillOptions): Promise<RestoreDrillResult> {
  await archiveNow(options.liveUrl);
  const scratch = ScratchCluster.create('hub-restore-');
  try {
    const restored = await scratch.restore(options.backupDir, options.archiveDir, 'restored', await freeLoopbackPort());
    const url = restored.url(options.database);
    const result = await verifyJournal(url, { jwks: options.jwks, ...(options.checkpointDir ? { checkpointDir: options.checkpointDir } : {}) });
    const [restoredAll, live, head] = await Promise.all([
      checkpoints(url),
      checkpoints(options.liveUrl),
      queryOne<{ seq: string | null }>(url, 'SELECT max(seq)::text AS seq FROM audit.journal'),
    ]);
    const restoredCheckpoint = restoredAll.at(-1) ?? null;
    const same = restoredCheckpoint !== null && live.some((c) => c.seq === restoredCheckpoint.seq && c.hash === restoredCheckpoint.hash);
    return {
      verified: describeResult(result),
      intact: result.broken === null && (result.checkpoints?.forged.length ?? 0) === 0,
      restoredCheckpoint,
      liveCheckpoint: live.at(-1) ?? null,
      sameCheckpoint: same,
      liveSignedSince: live.filter((c) => !restoredCheckpoint || BigInt(c.seq) > BigInt(restoredCheckpoint.seq)).length,
      restoredHead: head.seq,
    };
  } finally {
    await scratch.remove();
  }
}

export function describeRestore(result: RestoreDrillResult): string {
  const at = (c: CheckpointRow | null) => (c ? `seq ${c.seq}` : 'none');
  const since = result.liveSignedSince > 0 ? ` (live signed ${result.liveSignedSince} since)` : '';
  const match = result.sameCheckpoint ? `the live journal has it${since}` : 'NOT in the live journal';
  return `restored: ${result.verified}; last signed checkpoint ${at(result.restoredCheckpoint)}, live ${at(result.liveCheckpoint)}: ${match}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { backup: { type: 'string' }, archive: { type: 'string' }, keys: { type: 'string' }, checkpoints: { type: 'string' } },
  });
  const liveUrl = process.env['AUDIT_DATABASE_URL'] ?? process.env['DATABASE_URL'];
  if (!values.backup || !values.archive || !liveUrl) {
    console.error(
      'usage: AUDIT_DATABASE_URL=postgres://… npm run audit:restore-drill -- --backup BASE_BACKUP_DIR --archive WAL_ARCHIVE_DIR [--keys JWKS] [--checkpoints DIR]',
    );
    process.exitCode = 2;
    return;
  }
  try {
    const jwks = readJwks(values.keys);
    if (!jwks) throw new Error("the gateway's public keys are needed (--keys FILE or HUB_KEYS_DIR)");
    const database = new URL(poolTarget(liveUrl).connectionString).pathname.slice(1) || 'postgres';
    const checkpointDir = values.checkpoints ?? process.env['AUDIT_CHECKPOINT_DIR'];
    const result = await restoreDrill({
      backupDir: values.backup,
      archiveDir: values.archive,
      liveUrl,
      database,
      jwks,
      ...(checkpointDir ? { checkpointDir } : {}),
    });
    console.log(describeRestore(result));
    process.exitCode = result.intact && result.sameCheckpoint ? 0 : 1;
  } catch (error) {
    console.error(`audit:restore-drill: ${(error as Error).message}`);
    process.exitCode = 2;
  }
}

if (require.main === module) void main();
