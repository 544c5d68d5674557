import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, renameSync } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream';
import { createGunzip, createGzip } from 'node:zlib';
import { CompactSign, compactVerify, createLocalJWKSet, type JSONWebKeySet } from 'jose';
import type { SigningKey } from '@hub/kit';
import { entryFromRow, entryHash, GENESIS_HASH } from './chain';
import { openCheckpoint, storeCheckpoint, type Checkpoint, type Queryable } from './checkpoints';

/**
 * A closed month of the journal as a signed, self-verifying file (docs/journal-archive.md):
 * gzip'd JSON lines — a header, the month's records in seq order with a link line for each
 * record's predecessor in another month, the checkpoints signed for them, and a last line
 * whose JWS, by the gateway's key, covers the SHA-256 of every line before it.
 */
export const ARCHIVE_FORMAT = 'hub-audit-archive/1';
export const ARCHIVE_TYPE = 'hub-journal-archive+jws';

export interface ArchiveSummary {
  month: string;
  records: number;
  firstSeq: string | null;
  lastSeq: string | null;
  lastHash: string | null;
  sha256: string;
}

/** First instant of a 'YYYY-MM' month and of the next, in UTC. */
export function monthBounds(month: string): { from: Date; to: Date } {
  const match = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month);
  if (!match) throw new Error(`"${month}" is not a month (YYYY-MM)`);
  const [year, index] = [Number(match[1]), Number(match[2]) - 1];
  return { from: new Date(Date.UTC(year, index, 1)), to: new Date(Date.UTC(year, index + 1, 1)) };
}

type Row = Record<string, unknown> & { seq: string; prev_hash: string; hash: string };

/** The row as the file carries it: JSON with the time in ISO 8601, exactly what the hash covers. */
function rowJson(row: Row): Record<string, unknown> {
  return { ...row, received_at: (row['received_at'] as Date).toISOString() };
}

/**
 * Writes the month to `path` and signs, into audit.checkpoints (and `checkpointDir`), a link
 * checkpoint for every record of the month the chain leaves the month after: once the
 * month is detached, `audit:verify` accepts the records that follow it on their strength.
 * The client must hold a REPEATABLE READ snapshot with extra_float_digits = 3, and the
 * journal must have verified against its checkpoints (the link lines trust audit.checkpoints).
 */
export async function exportMonth(
  db: Queryable,
  key: SigningKey,
  month: string,
  path: string,
  checkpointDir?: string,
  batchSize = 5_000,
): Promise<ArchiveSummary> {
  const { from, to } = monthBounds(month);
  const digest = createHash('sha256');
  const gzip = createGzip();
  const tmp = `${path}.partial`;
  const file = createWriteStream(tmp);
  gzip.pipe(file);
  const write = async (value: unknown) => {
    const line = `${JSON.stringify(value)}\n`;
    digest.update(line);
    if (!gzip.write(line)) await once(gzip, 'drain');
  };
  await write({
    type: 'header',
    format: ARCHIVE_FORMAT,
    month,
    from: from.toISOString(),
    to: to.toISOString(),
    exportedAt: new Date().toISOString(),
    kid: key.kid,
  });
  let last = null as Row | null;
  let first = null as Row | null;
  let records = 0;
  const leaving: Row[] = [];
  for (;;) {
    const { rows }: { rows: Row[] } = await db.query<Row>(
      'SELECT * FROM audit.journal WHERE received_at >= $1 AND received_at < $2 AND seq > $3 ORDER BY seq LIMIT $4',
      [from, to, last?.seq ?? '0', batchSize],
    );
    for (const row of rows) {
      if (row.prev_hash !== (last?.hash ?? GENESIS_HASH)) {
        if (last) leaving.push(last);
        // The predecessor is in another month: still attached, or archived and vouched for by a link checkpoint.
        const {
          rows: [attached],
        } = await db.query<{ seq: string; hash: string }>('SELECT seq, hash FROM audit.journal WHERE seq < $1 ORDER BY seq DESC LIMIT 1', [row.seq]);
        const {
          rows: [signed],
        } =
          attached?.hash === row.prev_hash
            ? { rows: [] }
            : await db.query<{ seq: string; hash: string }>('SELECT seq, hash FROM audit.checkpoints WHERE hash = $1 AND seq < $2 LIMIT 1', [
                row.prev_hash,
                row.seq,
              ]);
        const before = attached?.hash === row.prev_hash ? attached : signed;
        if (!before) throw new Error(`the chain is broken before seq ${row.seq}: run audit:verify`);
        await write({ type: 'link', seq: before.seq, hash: before.hash });
      }
      await write({ type: 'record', row: rowJson(row) });
      first ??= row;
      last = row;
      records += 1;
    }
    if (rows.length < batchSize) break;
  }
  if (last) leaving.push(last);
  for (const row of leaving) await storeCheckpoint(db, key, { seq: row.seq, hash: row.hash, at: new Date().toISOString(), kind: 'link' }, checkpointDir);
  if (first && last) {
    const { rows } = await db.query<{ jws: string }>('SELECT jws FROM audit.checkpoints WHERE seq BETWEEN $1 AND $2 ORDER BY id', [first.seq, last.seq]);
    for (const { jws } of rows) await write({ type: 'checkpoint', jws });
  }
  const summary: ArchiveSummary = {
    month,
    records,
    firstSeq: first?.seq ?? null,
    lastSeq: last?.seq ?? null,
    lastHash: last?.hash ?? null,
    sha256: digest.digest('hex'),
  };
  const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(summary)))
    .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: ARCHIVE_TYPE })
    .sign(key.privateKey);
  gzip.end(`${JSON.stringify({ type: 'signature', jws })}\n`);
  await once(file, 'close');
  renameSync(tmp, path);
  return summary;
}

export interface ArchiveCheck {
  ok: boolean;
  summary: ArchiveSummary | null;
  problem?: string;
}

/** Verifies an archive file on its own: its signature, its digest, every record's hash and link, and the checkpoints in it. */
export async function verifyArchive(path: string, jwks: JSONWebKeySet): Promise<ArchiveCheck> {
  // A damaged file is reported, not thrown: pipeline() hands any stream's error to its callback
  // (pipe() would leave it unhandled), and the streams are destroyed when the check ends early,
  // before anything can overwrite the file under them.
  let unreadable: NodeJS.ErrnoException | null = null;
  const input = pipeline(createReadStream(path), createGunzip(), (error) => {
    if (!error) return;
    unreadable ??= error;
    lines.close();
  });
  const lines = createInterface({ input, crlfDelay: Infinity });
  const unreadableFile = (code: string): ArchiveCheck => ({ ok: false, summary: null, problem: `the file cannot be read as a gzip archive (${code})` });
  try {
    const check = await checkLines(lines, jwks);
    return unreadable ? unreadableFile((unreadable as NodeJS.ErrnoException).code ?? 'error') : check;
  } catch (error) {
    // A stream's error (fs, zlib) carries a code; anything else is a line that is not of this format.
    const code = (unreadable as NodeJS.ErrnoException | null)?.code ?? (error as NodeJS.ErrnoException).code;
    return code ? unreadableFile(code) : { ok: false, summary: null, problem: 'a line of the file is not an archive line' };
  } finally {
    input.destroy();
  }
}

async function checkLines(lines: AsyncIterable<string>, jwks: JSONWebKeySet): Promise<ArchiveCheck> {
  const digest = createHash('sha256');
  interface Header {
    format?: string;
    month?: string;
    from?: string;
    to?: string;
  }
  let header: Header | null = null;
  let prev: { seq: string; hash: string } | null = null;
  let signature: string | null = null;
  let records = 0;
  let firstSeq: string | null = null;
  const hashes = new Map<string, string>();
  const checkpoints: string[] = [];
  const fail = (problem: string): ArchiveCheck => ({ ok: false, summary: null, problem });
  for await (const line of lines) {
    if (signature !== null) return fail('lines after the signature');
    const item = JSON.parse(line) as { type: string; [k: string]: unknown };
    if (item.type === 'signature') {
      signature = item['jws'] as string;
      continue;
    }
    digest.update(`${line}\n`);
    if (item.type === 'header') {
      if (header) return fail('two headers');
      header = item as Header;
      if (header.format !== ARCHIVE_FORMAT) return fail(`unknown format ${String(header.format)}`);
    } else if (!header) {
      return fail('no header');
    } else if (item.type === 'link') {
      prev = { seq: item['seq'] as string, hash: item['hash'] as string };
    } else if (item.type === 'record') {
      const row = item['row'] as Row;
      const receivedAt = new Date(row['received_at'] as string);
      if (!(receivedAt >= new Date(header.from!) && receivedAt < new Date(header.to!))) return fail(`record seq ${row.seq} is not of ${header.month}`);
      if (prev && BigInt(row.seq) <= BigInt(prev.seq)) return fail(`record seq ${row.seq} out of order`);
      if (row.prev_hash !== (prev?.hash ?? GENESIS_HASH)) return fail(`record seq ${row.seq}: its prev_hash is not the hash of the record before it`);
      if (entryHash(row.prev_hash, entryFromRow({ ...row, received_at: receivedAt })) !== row.hash)
        return fail(`record seq ${row.seq}: its content does not match its hash`);
      prev = { seq: row.seq, hash: row.hash };
      hashes.set(row.seq, row.hash);
      firstSeq ??= row.seq;
      records += 1;
    } else if (item.type === 'checkpoint') {
      checkpoints.push(item['jws'] as string);
    } else {
      return fail(`unknown line type ${item.type}`);
    }
  }
  if (signature === null) return fail('no signature: the file is incomplete');
  let summary: ArchiveSummary;
  try {
    const { payload, protectedHeader } = await compactVerify(signature, createLocalJWKSet(jwks), { algorithms: ['EdDSA'] });
    if (protectedHeader.typ !== ARCHIVE_TYPE) return fail('the signature is not an archive signature');
    summary = JSON.parse(new TextDecoder().decode(payload)) as ArchiveSummary;
  } catch {
    return fail("the signature does not verify with the gateway's keys");
  }
  if (summary.sha256 !== digest.digest('hex')) return fail('the file was changed after it was signed (digest differs)');
  if (
    summary.month !== (header as Header | null)?.month ||
    summary.records !== records ||
    summary.firstSeq !== firstSeq ||
    summary.lastSeq !== (records ? prev!.seq : null)
  )
    return fail('the signed summary does not match the records');
  for (const jws of checkpoints) {
    let checkpoint: Checkpoint;
    try {
      checkpoint = await openCheckpoint(jws, jwks);
    } catch {
      return fail("a checkpoint in the file is not signed by the gateway's key");
    }
    const hash = hashes.get(checkpoint.seq);
    if (hash !== undefined && hash !== checkpoint.hash) return fail(`record seq ${checkpoint.seq} differs from the checkpoint signed at ${checkpoint.at}`);
  }
  return { ok: true, summary };
}
