import type { JournalEntry } from '@hub/audit';
import type { Identity } from '../identity/verifier';

/**
 * A session that ran past its idle timeout or its lifetime (issue 22; İAMAS 6.9.1.4 logins and
 * logouts): its own record and registration number, written when the gateway finds it expired —
 * the next request that presents it, or the pages asking /auth/session — with the person it was.
 */
export function sessionExpiredEntry(registrationNumber: string, identity: Identity, clientAddress: string | null, at: Date): JournalEntry {
  return {
    registrationNumber,
    event: 'session-expired',
    receivedAt: at,
    agency: identity.agency,
    sub: identity.sub,
    roles: identity.roles,
    purpose: null,
    caseNumber: null,
    operationType: null,
    operationName: null,
    operationId: null,
    resources: [],
    decision: 'allowed',
    reason: null,
    attemptToExceedAuthority: false,
    errorCodes: [],
    positive: false,
    records: 0,
    durationMs: 0,
    clientAddress,
  };
}
