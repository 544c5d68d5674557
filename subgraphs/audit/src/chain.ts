import { createHash } from 'node:crypto';

/**
 * The hash chain of the central journal. The gateway computes it when appending and
 * `npm run audit:verify` recomputes it: both use this one definition of a record's bytes.
 */
export interface JournalEntry {
  registrationNumber: string;
  event: 'query' | 'sign-in' | 'sign-out';
  receivedAt: Date;
  agency: string | null;
  sub: string | null;
  roles: string[];
  purpose: string | null;
  caseNumber: string | null;
  operationType: string | null;
  operationName: string | null;
  resources: Array<{ resource: string; level: string; fields: string[]; positive: boolean; records: number }>;
  decision: 'allowed' | 'partly-refused' | 'refused';
  reason: string | null;
  attemptToExceedAuthority: boolean;
  errorCodes: string[];
  positive: boolean;
  records: number;
  durationMs: number;
  clientAddress: string | null;
}

export const GENESIS_HASH = '0'.repeat(64);

/** Column order of an INSERT into audit.journal (hashes appended by the writer). */
export const JOURNAL_COLUMNS = [
  'registration_number', 'event', 'received_at', 'agency', 'sub', 'roles', 'purpose', 'case_number',
  'operation_type', 'operation_name', 'resources', 'resource_names', 'decision', 'reason',
  'attempt_to_exceed_authority', 'error_codes', 'positive', 'records', 'duration_ms', 'client_address',
  'prev_hash', 'hash',
] as const;

function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${stable((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export function entryHash(prevHash: string, entry: JournalEntry): string {
  const { registrationNumber, event, receivedAt, agency, sub, roles, purpose, caseNumber, operationType, operationName, resources, decision, reason, attemptToExceedAuthority, errorCodes, positive, records, durationMs, clientAddress } = entry;
  const canonical = stable({ registrationNumber, event, receivedAt, agency, sub, roles, purpose, caseNumber, operationType, operationName, resources, decision, reason, attemptToExceedAuthority, errorCodes, positive, records, durationMs, clientAddress });
  return createHash('sha256').update(prevHash).update('\n').update(canonical).digest('hex');
}

export function rowValues(entry: JournalEntry, prevHash: string, hash: string): unknown[] {
  return [
    entry.registrationNumber, entry.event, entry.receivedAt, entry.agency, entry.sub, entry.roles, entry.purpose, entry.caseNumber,
    entry.operationType, entry.operationName, JSON.stringify(entry.resources), entry.resources.map((r) => r.resource), entry.decision, entry.reason,
    entry.attemptToExceedAuthority, entry.errorCodes, entry.positive, entry.records, entry.durationMs, entry.clientAddress,
    prevHash, hash,
  ];
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
    resources: row['resources'] as JournalEntry['resources'],
    decision: row['decision'] as JournalEntry['decision'],
    reason: row['reason'] as string | null,
    attemptToExceedAuthority: row['attempt_to_exceed_authority'] as boolean,
    errorCodes: row['error_codes'] as string[],
    positive: row['positive'] as boolean,
    records: row['records'] as number,
    durationMs: row['duration_ms'] as number,
    clientAddress: row['client_address'] as string | null,
  };
}
