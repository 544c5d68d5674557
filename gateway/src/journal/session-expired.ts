import type { JournalEntry } from '@hub/audit';
import type { Identity } from '../identity/verifier';
import { eventEntry } from './entry';

/**
 * A session that ran past its idle timeout or its lifetime (issue 22; İAMAS 6.9.1.4 logins and
 * logouts): its own record and registration number, with the person it was, written once by
 * whichever finds it expired first — a request that presents it, or a replica's sweep.
 */
export function sessionExpiredEntry(registrationNumber: string, identity: Identity, clientAddress: string | null, at: Date): JournalEntry {
  return eventEntry(registrationNumber, 'session-expired', at, { agency: identity.agency, sub: identity.sub, roles: identity.roles, clientAddress });
}
