import { Client } from 'pg';
import { entryFromRow, entryHash, GENESIS_HASH } from '@hub/audit';

/**
 * `npm run audit:verify`: recomputes the hash chain of the central audit journal (6.9) in seq
 * order and names the first record that does not match. Reads in batches inside one
 * read-only snapshot, so appends running meanwhile neither break nor extend the check.
 */
interface BrokenRecord {
  seq: string;
  registrationNumber: string;
  problem: 'hash' | 'prev_hash';
}

interface VerifyResult {
  records: number;
  broken: BrokenRecord | null;
}

export async function verifyJournal(url: string, batchSize = 1_000): Promise<VerifyResult> {
  const client = new Client({ connectionString: url, application_name: 'hub-audit-verify' });
  await client.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    // Doubles must come back exactly as they were hashed (PostgreSQL 12+ already does so).
    await client.query('SET LOCAL extra_float_digits = 3');
    let prev = GENESIS_HASH;
    let lastSeq = '0';
    let records = 0;
    for (;;) {
      const { rows } = await client.query<Record<string, unknown> & { seq: string; prev_hash: string; hash: string; registration_number: string }>(
        'SELECT * FROM audit.journal WHERE seq > $1 ORDER BY seq LIMIT $2', [lastSeq, batchSize]);
      for (const row of rows) {
        const found = (problem: BrokenRecord['problem']): VerifyResult => ({ records, broken: { seq: row.seq, registrationNumber: row.registration_number, problem } });
        if (row.prev_hash !== prev) return found('prev_hash');
        if (entryHash(prev, entryFromRow(row)) !== row.hash) return found('hash');
        prev = row.hash;
        records += 1;
      }
      if (rows.length < batchSize) return { records, broken: null };
      lastSeq = rows[rows.length - 1]!.seq;
    }
  } finally {
    await client.end();
  }
}

export function describeResult(result: VerifyResult): string {
  if (!result.broken) return `audit journal: ${result.records} records, chain intact`;
  const { seq, registrationNumber, problem } = result.broken;
  const why = problem === 'hash'
    ? 'its content does not match its hash (the record was changed)'
    : 'its prev_hash is not the hash of the record before it (a record before it was changed, removed or inserted)';
  return `audit journal: record seq ${seq}, registration number ${registrationNumber}: ${why}; the ${result.records} records before it verify`;
}

async function main(): Promise<void> {
  const url = process.env['AUDIT_DATABASE_URL'] ?? process.env['DATABASE_URL'];
  if (!url) {
    console.error('audit:verify: set AUDIT_DATABASE_URL or DATABASE_URL to the database holding audit.journal.');
    process.exitCode = 2;
    return;
  }
  try {
    const result = await verifyJournal(url);
    const line = describeResult(result);
    if (result.broken) {
      console.error(line);
      process.exitCode = 1;
    } else {
      console.log(line);
    }
  } catch (error) {
    console.error(`audit:verify: cannot read the journal: ${(error as Error).message}`);
    process.exitCode = 2;
  }
}

if (require.main === module) void main();
