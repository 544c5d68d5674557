import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CompactSign, compactVerify, createLocalJWKSet, type JSONWebKeySet } from 'jose';
import type { SigningKey } from '@hub/kit';

/**
 * Signed checkpoints of the journal's hash chain (issue 16): the gateway signs the last
 * record's seq and hash with its own Ed25519 key and keeps the signature in audit.checkpoints
 * and in a directory outside the database. Whoever can rewrite the journal in the database
 * (triggers disabled, every hash recomputed) cannot sign, so `audit:verify` finds the rewrite
 * where the chain no longer passes through a checkpoint.
 */
export interface Checkpoint {
  seq: string;
  hash: string;
  /** When it was signed, ISO 8601. */
  at: string;
  /** head: the chain's end when signed; link: the record a detached month's successor follows. */
  kind: 'head' | 'link';
}

export const CHECKPOINT_TYPE = 'hub-journal-checkpoint+jws';

/** A pg client or pool: what the checkpoint functions need of a connection. */
export interface Queryable {
  query<R extends Record<string, unknown> = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

export async function signCheckpoint(key: SigningKey, checkpoint: Checkpoint): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(checkpoint)))
    .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: CHECKPOINT_TYPE })
    .sign(key.privateKey);
}

/** The checkpoint a JWS carries, if the gateway's key signed it; throws otherwise. */
export async function openCheckpoint(jws: string, jwks: JSONWebKeySet): Promise<Checkpoint> {
  const { payload, protectedHeader } = await compactVerify(jws, createLocalJWKSet(jwks), { algorithms: ['EdDSA'] });
  if (protectedHeader.typ !== CHECKPOINT_TYPE) throw new Error('not a journal checkpoint');
  const value = JSON.parse(new TextDecoder().decode(payload)) as Partial<Checkpoint>;
  if (
    typeof value.seq !== 'string' ||
    !/^\d+$/.test(value.seq) ||
    typeof value.hash !== 'string' ||
    !/^[0-9a-f]{64}$/.test(value.hash) ||
    typeof value.at !== 'string' ||
    (value.kind !== 'head' && value.kind !== 'link')
  )
    throw new Error('malformed checkpoint');
  return { seq: value.seq, hash: value.hash, at: value.at, kind: value.kind };
}

/** Signs and stores checkpoints: in the table, and as one file each in `dir` when given. */
export async function storeCheckpoint(db: Queryable, key: SigningKey, checkpoint: Checkpoint, dir?: string): Promise<string> {
  const jws = await signCheckpoint(key, checkpoint);
  if (dir) {
    mkdirSync(dir, { recursive: true });
    const name = `${checkpoint.seq.padStart(20, '0')}-${checkpoint.kind}-${checkpoint.at.replace(/[:.]/g, '')}.jws`;
    // Written whole or not at all: a reader never sees half a signature.
    writeFileSync(join(dir, `.${name}.tmp`), jws, { mode: 0o644 });
    renameSync(join(dir, `.${name}.tmp`), join(dir, name));
  }
  await db.query('INSERT INTO audit.checkpoints (seq, hash, signed_at, jws) VALUES ($1, $2, $3, $4)', [checkpoint.seq, checkpoint.hash, checkpoint.at, jws]);
  return jws;
}

/** Signs the chain's current end; nothing when the journal is empty or nothing was appended since the last one. */
export async function checkpointHead(db: Queryable, key: SigningKey, dir?: string, now = new Date()): Promise<Checkpoint | null> {
  const {
    rows: [head],
  } = await db.query<{ seq: string; hash: string }>('SELECT seq, hash FROM audit.journal ORDER BY seq DESC LIMIT 1');
  if (!head) return null;
  const {
    rows: [last],
  } = await db.query<{ seq: string }>('SELECT max(seq)::text AS seq FROM audit.checkpoints');
  if (last?.seq === head.seq) return null;
  const checkpoint: Checkpoint = { seq: head.seq, hash: head.hash, at: now.toISOString(), kind: 'head' };
  await storeCheckpoint(db, key, checkpoint, dir);
  return checkpoint;
}

export interface LoadedCheckpoints {
  valid: Checkpoint[];
  /** Where a signature did not verify: a forged or damaged checkpoint. */
  invalid: string[];
}

/** Every checkpoint the table and the directory hold, checked against the gateway's public keys. */
export async function loadCheckpoints(db: Queryable, jwks: JSONWebKeySet, dir?: string): Promise<LoadedCheckpoints> {
  const sources: Array<[string, string]> = (await db.query<{ id: string; jws: string }>('SELECT id, jws FROM audit.checkpoints ORDER BY id')).rows.map((r) => [
    `audit.checkpoints id ${r.id}`,
    r.jws,
  ]);
  if (dir) {
    for (const name of readdirSync(dir)
      .filter((n) => n.endsWith('.jws'))
      .sort())
      sources.push([join(dir, name), readFileSync(join(dir, name), 'utf8').trim()]);
  }
  const result: LoadedCheckpoints = { valid: [], invalid: [] };
  const seen = new Set<string>();
  for (const [where, jws] of sources) {
    try {
      const checkpoint = await openCheckpoint(jws, jwks);
      const id = `${checkpoint.seq}:${checkpoint.hash}`;
      if (!seen.has(id)) result.valid.push(checkpoint);
      seen.add(id);
    } catch {
      result.invalid.push(where);
    }
  }
  result.valid.sort((a, b) => (BigInt(a.seq) < BigInt(b.seq) ? -1 : BigInt(a.seq) > BigInt(b.seq) ? 1 : 0));
  return result;
}
