import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import type { JSONWebKeySet } from 'jose';
import { entryFromRow, entryHash, GENESIS_HASH, loadCheckpoints, verifyArchive, type Checkpoint } from '@hub/audit';
import { join } from 'node:path';
import { poolTarget } from '@hub/kit';
import { operatorConfig } from './config';

/**
 * `npm run audit:verify`: recomputes the hash chain of the central audit journal (6.9) in seq
 * order and names the first record that does not match. Reads in batches inside one
 * read-only snapshot, so appends running meanwhile neither break nor extend the check.
 * With the gateway's public keys it also checks the chain against the checkpoints the
 * gateway signed (in audit.checkpoints and in AUDIT_CHECKPOINT_DIR): a chain rewritten with
 * database rights, every hash recomputed, no longer passes through them.
 * `--archive FILE` verifies an exported month on its own (audit-archive.ts).
 * It names the corrections the chain holds (decision 0018): requests whose record's write was in
 * doubt and whose answer was withheld, each superseding the record of its number, if written.
 */
interface BrokenRecord {
  seq: string;
  /** Null when the record is missing altogether (the journal ends before a signed checkpoint). */
  registrationNumber: string | null;
  problem: 'hash' | 'prev_hash' | 'checkpoint' | 'removed' | 'truncated';
  /** The signed checkpoint the journal contradicts. */
  checkpoint?: Checkpoint;
}

/** Corrections in the chain: each says a caller got AUDIT_UNAVAILABLE for a registration number whose record's write was in doubt. */
export interface Corrections {
  /** The registration numbers corrected, in chain order. */
  registrationNumbers: string[];
  /** How many of them also have the record the write was in doubt about: it committed, and stays as written. */
  superseding: number;
}

interface VerifyResult {
  records: number;
  broken: BrokenRecord | null;
  /** Only when the chain holds any. */
  corrections?: Corrections;
  /** With the gateway's public keys: checkpoints the chain passed through, and ones whose signature fails. */
  checkpoints?: { matched: number; forged: string[] };
}

export interface VerifyOptions {
  batchSize?: number;
  /** The gateway's public keys: the signed checkpoints are checked only with them. */
  jwks?: JSONWebKeySet;
  /** The checkpoint files the gateway wrote outside the database (AUDIT_CHECKPOINT_DIR). */
  checkpointDir?: string;
}

const compareSeq = (a: string, b: string) => {
  const [x, y] = [BigInt(a), BigInt(b)];
  return x < y ? -1 : x > y ? 1 : 0;
};

export async function verifyJournal(url: string, options: number | VerifyOptions = {}): Promise<VerifyResult> {
  const { batchSize = 1_000, jwks, checkpointDir } = typeof options === 'number' ? { batchSize: options } : options;
  // A list of servers (primary and standbys) is verified on the one that is primary now.
  const { connectionString, Client: Connect = Client } = poolTarget(url);
  const client = new Connect({ connectionString, application_name: 'hub-audit-verify' });
  await client.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    // Doubles must come back exactly as they were hashed (PostgreSQL 12+ already does so).
    await client.query('SET LOCAL extra_float_digits = 3');
    const loaded = jwks ? await loadCheckpoints(client, jwks, checkpointDir) : null;
    const checkpoints = loaded?.valid ?? [];
    let next = 0;
    let matched = 0;
    const corrected: string[] = [];
    const corrections = { registrationNumbers: corrected, superseding: 0 };
    const result = (records: number, broken: BrokenRecord | null): VerifyResult => ({
      records,
      broken,
      ...(corrected.length > 0 ? { corrections } : {}),
      ...(loaded ? { checkpoints: { matched, forged: loaded.invalid } } : {}),
    });
    let prev = GENESIS_HASH;
    let lastSeq = '0';
    let records = 0;
    for (;;) {
      const { rows } = await client.query<Record<string, unknown> & { seq: string; prev_hash: string; hash: string; registration_number: string }>(
        'SELECT * FROM audit.journal WHERE seq > $1 ORDER BY seq LIMIT $2',
        [lastSeq, batchSize],
      );
      for (const row of rows) {
        const found = (problem: BrokenRecord['problem'], checkpoint?: Checkpoint): VerifyResult =>
          result(records, { seq: row.seq, registrationNumber: row.registration_number, problem, ...(checkpoint ? { checkpoint } : {}) });
        // Checkpoints signed for seqs between the previous record and this one.
        const between: Checkpoint[] = [];
        while (next < checkpoints.length && compareSeq(checkpoints[next]!.seq, row.seq) < 0) between.push(checkpoints[next++]!);
        if (row.prev_hash !== prev) {
          // Only a signed checkpoint may vouch for records that are no longer here (an archived, detached month).
          if (!between.some((c) => c.hash === row.prev_hash)) return found('prev_hash');
        } else if (between.length > 0) {
          return found('removed', between[0]);
        }
        if (entryHash(row.prev_hash, entryFromRow(row)) !== row.hash) return found('hash');
        while (next < checkpoints.length && checkpoints[next]!.seq === row.seq) {
          if (checkpoints[next]!.hash !== row.hash) return found('checkpoint', checkpoints[next]);
          matched += 1;
          next += 1;
        }
        prev = row.hash;
        records += 1;
        if (row['event'] === 'correction') corrected.push(row.registration_number);
      }
      if (rows.length < batchSize) break;
      lastSeq = rows[rows.length - 1]!.seq;
    }
    if (corrected.length > 0) {
      const { rows } = await client.query<{ n: string }>(
        "SELECT count(DISTINCT registration_number) AS n FROM audit.journal WHERE registration_number = ANY($1) AND event <> 'correction'",
        [corrected],
      );
      corrections.superseding = Number(rows[0]?.n ?? 0);
    }
    const beyond = checkpoints[next];
    if (beyond) return result(records, { seq: beyond.seq, registrationNumber: null, problem: 'truncated', checkpoint: beyond });
    return result(records, null);
  } finally {
    await client.end();
  }
}

/** Registration numbers shown at most in the corrections line; the rest are counted. */
const CORRECTIONS_NAMED = 10;

function describeCorrections(corrections: Corrections | undefined): string {
  if (!corrections) return '';
  const { registrationNumbers: numbers, superseding } = corrections;
  const named = numbers.slice(0, CORRECTIONS_NAMED).join(', ') + (numbers.length > CORRECTIONS_NAMED ? `, … (${numbers.length - CORRECTIONS_NAMED} more)` : '');
  return (
    `\naudit journal: ${numbers.length} correction(s): the journal's write was in doubt and the caller got AUDIT_UNAVAILABLE; ` +
    `${superseding} supersede a record that was written and stays as written: ${named}`
  );
}

export function describeResult(result: VerifyResult): string {
  const forged = result.checkpoints?.forged ?? [];
  const forgedLine = forged.length ? `\naudit journal: TAMPERING: ${forged.length} checkpoint(s) not signed by the gateway's key: ${forged.join(', ')}` : '';
  const correctionsLine = describeCorrections(result.corrections);
  if (!result.broken) {
    const signed = result.checkpoints ? `, ${result.checkpoints.matched} signed checkpoint(s) match` : '';
    return `audit journal: ${result.records} records, chain intact${signed}${correctionsLine}${forgedLine}`;
  }
  const { seq, registrationNumber, problem, checkpoint } = result.broken;
  const signed = checkpoint ? `the checkpoint signed at ${checkpoint.at} for seq ${checkpoint.seq}` : '';
  const why = {
    hash: 'its content does not match its hash (the record was changed)',
    prev_hash: 'its prev_hash is not the hash of the record before it (a record before it was changed, removed or inserted)',
    checkpoint: `TAMPERING: its hash differs from ${signed}: the chain was rewritten after it was signed (records changed and hashes recomputed)`,
    removed: `TAMPERING: ${signed} names a record that is no longer in the journal, and the chain was recomputed around it`,
    truncated: `TAMPERING: ${signed} lies beyond the journal's last record: records at its end were removed`,
  }[problem];
  const which = registrationNumber === null ? `record seq ${seq}` : `record seq ${seq}, registration number ${registrationNumber}`;
  return `audit journal: ${which}: ${why}; the ${result.records} records before it verify${correctionsLine}${forgedLine}`;
}

/** The gateway's public keys: --keys, GATEWAY_JWKS_PATH, or the keys directory; undefined when there are none. */
export function readJwks(path: string | undefined): JSONWebKeySet | undefined {
  const file = path ?? join(operatorConfig(process.env).keysDir, 'gateway.jwks.json');
  if (!existsSync(file)) {
    if (path) throw new Error(`no gateway public keys at ${path}`);
    return undefined;
  }
  return JSON.parse(readFileSync(file, 'utf8')) as JSONWebKeySet;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { keys: { type: 'string' }, checkpoints: { type: 'string' }, archive: { type: 'string' } } });
  try {
    const jwks = readJwks(values.keys);
    if (values.archive) {
      if (!jwks) throw new Error("verifying an archive needs the gateway's public keys (--keys FILE or HUB_KEYS_DIR)");
      const check = await verifyArchive(values.archive, jwks);
      if (check.ok)
        console.log(
          `audit archive ${values.archive}: ${check.summary!.month}, ${check.summary!.records} records (seq ${check.summary!.firstSeq}–${check.summary!.lastSeq}), signature and chain verify`,
        );
      else console.error(`audit archive ${values.archive}: TAMPERING or damage: ${check.problem}`);
      process.exitCode = check.ok ? 0 : 1;
      return;
    }
    const url = process.env['AUDIT_DATABASE_URL'] ?? process.env['DATABASE_URL'];
    if (!url) {
      console.error('audit:verify: set AUDIT_DATABASE_URL or DATABASE_URL to the database holding audit.journal.');
      process.exitCode = 2;
      return;
    }
    const checkpointDir = values.checkpoints ?? process.env['AUDIT_CHECKPOINT_DIR'];
    if (!jwks)
      console.error(
        'audit:verify: no gateway public key (--keys FILE or HUB_KEYS_DIR): the signed checkpoints are not checked, a chain rewritten with database rights would pass',
      );
    const result = await verifyJournal(url, { ...(jwks ? { jwks } : {}), ...(checkpointDir ? { checkpointDir } : {}) });
    const line = describeResult(result);
    if (result.broken || (result.checkpoints?.forged.length ?? 0) > 0) {
      console.error(line);
      process.exitCode = 1;
    } else {
      console.log(line);
    }
  } catch (error) {
    console.error(`audit:verify: cannot verify: ${(error as Error).message}`);
    process.exitCode = 2;
  }
}

if (require.main === module) void main();
