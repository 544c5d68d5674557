import { createHash } from 'node:crypto';

/**
 * The hash chain of the central journal. The gateway computes it when appending and
 * `npm run audit:verify` recomputes it: both use this one definition of a record's bytes.
 */
export interface JournalEntry {
  registrationNumber: string;
  /**
   * `correction`: what the caller got when the gateway could not tell whether this number's record was written (decision 0018).
   * `policy-change`: a gateway put a policy set in force; operationId is the set's `sha256:<hex>`, reason the one it replaced (decision 0019).
   *   Decision `refused`: a set refused at reload; operationId its hash (or null), reason the refusal's code.
   * `sign-in-failed`: reason is the failure's code (STATE_MISMATCH, NONCE_MISMATCH, ...), never what the provider or the person sent.
   * `session-expired`, `backchannel-logout`: a session ended by its idle timeout or lifetime, or by its provider (docs/decisions/0020).
   */
  event:
    | 'query'
    | 'sign-in'
    | 'sign-in-failed'
    | 'sign-out'
    | 'session-expired'
    | 'backchannel-logout'
    | 'consent-grant'
    | 'consent-withdraw'
    | 'correction'
    | 'policy-change';
  receivedAt: Date;
  agency: string | null;
  sub: string | null;
  roles: string[];
  purpose: string | null;
  caseNumber: string | null;
  operationType: string | null;
  operationName: string | null;
  /** The registered operation's id (`sha256:<hex>`), from the gateway's registry; null for ad-hoc text. Absent in records written before the column. */
  operationId?: string | null;
  resources: Array<{ resource: string; level: string; fields: string[]; positive: boolean; records: number }>;
  decision: 'allowed' | 'partly-refused' | 'refused';
  reason: string | null;
  attemptToExceedAuthority: boolean;
  errorCodes: string[];
  positive: boolean;
  records: number;
  durationMs: number;
  clientAddress: string | null;
  /** The persons the request concerned, as `kid:hex` keyed hashes of their FİN (R4); none in clear. */
  subjects?: string[];
}

export const GENESIS_HASH = '0'.repeat(64);

/** What the caller got when the journal could not be written: the gateway's fail-closed answer. */
const WITHHELD = 'AUDIT_UNAVAILABLE';

/**
 * The record that says what the caller got when a write's outcome is unknown (the connection
 * was lost between the commit and its reply) and the answer was withheld: the same request —
 * registration number, caller, purpose, operation, resources asked for, persons it concerned —
 * refused with AUDIT_UNAVAILABLE, nothing served. Appended to the chain like any record, it
 * supersedes whatever the journal may already hold under that number, which stays as written
 * (docs/decisions/0018).
 */
export function correctionOf(entry: JournalEntry): JournalEntry {
  return {
    ...entry,
    event: 'correction',
    resources: entry.resources.map((r) => ({ ...r, positive: false, records: 0 })),
    decision: 'refused',
    reason: WITHHELD,
    attemptToExceedAuthority: false,
    errorCodes: [WITHHELD],
    positive: false,
    records: 0,
  };
}

/** Appends a batch in one round trip; the database extends the chain (see AuditAppendFunction). */
export const APPEND_JOURNAL_SQL = 'SELECT audit.append_journal($1::jsonb)';

function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * The bytes a record is hashed over: every column but the chain itself, keys sorted. Subjects
 * count only when there are some, and the operation id only when there is one, so records
 * written before those columns existed verify as they were.
 */
export function canonicalOf(entry: JournalEntry): string {
  const {
    registrationNumber,
    event,
    receivedAt,
    agency,
    sub,
    roles,
    purpose,
    caseNumber,
    operationType,
    operationName,
    resources,
    decision,
    reason,
    attemptToExceedAuthority,
    errorCodes,
    positive,
    records,
    durationMs,
    clientAddress,
  } = entry;
  const subjects = entry.subjects?.length ? { subjects: entry.subjects } : {};
  const operationId = entry.operationId ? { operationId: entry.operationId } : {};
  return stable({
    registrationNumber,
    event,
    receivedAt,
    agency,
    sub,
    roles,
    purpose,
    caseNumber,
    operationType,
    operationName,
    ...operationId,
    resources,
    decision,
    reason,
    attemptToExceedAuthority,
    errorCodes,
    positive,
    records,
    durationMs,
    clientAddress,
    ...subjects,
  });
}

/** sha256(previous hash, newline, canonical record): what audit.append_journal computes in SQL. */
export function entryHash(prevHash: string, entry: JournalEntry): string {
  return createHash('sha256').update(prevHash).update('\n').update(canonicalOf(entry)).digest('hex');
}

/** One element of the batch audit.append_journal takes: the columns by name, plus the canonical bytes. */
export function journalRow(entry: JournalEntry): Record<string, unknown> {
  return {
    registration_number: entry.registrationNumber,
    event: entry.event,
    received_at: entry.receivedAt.toISOString(),
    agency: entry.agency,
    sub: entry.sub,
    roles: entry.roles,
    purpose: entry.purpose,
    case_number: entry.caseNumber,
    operation_type: entry.operationType,
    operation_name: entry.operationName,
    operation_id: entry.operationId ?? null,
    resources: entry.resources,
    resource_names: entry.resources.map((r) => r.resource),
    decision: entry.decision,
    reason: entry.reason,
    attempt_to_exceed_authority: entry.attemptToExceedAuthority,
    error_codes: entry.errorCodes,
    positive: entry.positive,
    records: entry.records,
    duration_ms: entry.durationMs,
    client_address: entry.clientAddress,
    subjects: entry.subjects ?? [],
    canonical: canonicalOf(entry),
  };
}

/** Reads a row of audit.journal (snake_case, as pg returns it) back into an entry. */
export function entryFromRow(row: Record<string, unknown>): JournalEntry {
  return {
    registrationNumber: row['registration_number'] as string,
    event: row['event'] as JournalEntry['event'],
    receivedAt: row['received_at'] as Date,
    agency: row['agency'] as string | null,
    sub: row['sub'] as string | null,
    roles: row['roles'] as string[],
    purpose: row['purpose'] as string | null,
    caseNumber: row['case_number'] as string | null,
    operationType: row['operation_type'] as string | null,
    operationName: row['operation_name'] as string | null,
    operationId: (row['operation_id'] as string | null | undefined) ?? null,
    resources: row['resources'] as JournalEntry['resources'],
    decision: row['decision'] as JournalEntry['decision'],
    reason: row['reason'] as string | null,
    attemptToExceedAuthority: row['attempt_to_exceed_authority'] as boolean,
    errorCodes: row['error_codes'] as string[],
    positive: row['positive'] as boolean,
    records: row['records'] as number,
    durationMs: row['duration_ms'] as number,
    clientAddress: row['client_address'] as string | null,
    subjects: (row['subjects'] as string[] | undefined) ?? [],
  };
}
