import { Pool } from 'pg';
import { poolTarget } from '@hub/kit';
import { APPEND_JOURNAL_SQL, journalRow, type JournalEntry } from '@hub/audit';
import { eventEntry } from './entry';

/**
 * `policy-change` records (docs/decisions/0019): the journal says which policy set was in force
 * from when, so an auditor can tell which rules applied to any record. The set's hash goes where
 * a registered operation's goes, `operationId` (`sha256:<hex>`), and the set it replaced in
 * `reason`; nobody's request, so no caller, purpose or resource. Chained like every record.
 */
export function policyChangeEntry(registrationNumber: string, sha256: string | null, previous: string | null, at: Date): JournalEntry {
  return eventEntry(registrationNumber, 'policy-change', at, {
    operationId: sha256 === null ? null : `sha256:${sha256}`,
    reason: previous === null ? null : `sha256:${previous}`,
  });
}

/**
 * At start: journals the set this gateway puts in force unless it is the last one journaled.
 * Read and append happen in one transaction under a lock of their own, so replicas starting
 * together with the same new set record it once. Returns the set replaced (null for the first),
 * or undefined when the set was already in force.
 */
export async function journalPolicyChange(url: string, sha256: string, registrationNumber: () => string): Promise<{ previous: string | null } | undefined> {
  const pool = new Pool({ ...poolTarget(url), max: 1, application_name: 'hub-gateway-policy' });
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query("SELECT pg_advisory_xact_lock(hashtext('audit.journal.policy-change'))");
    // The partial index journal_policy_change: one row read, however long the journal.
    const { rows } = await client.query<{ operation_id: string | null }>(
      // Refusals (below) are passed over: they put nothing in force.
      "SELECT operation_id FROM audit.journal WHERE event = 'policy-change' AND decision = 'allowed' ORDER BY seq DESC LIMIT 1",
    );
    const last = rows[0]?.operation_id?.replace(/^sha256:/, '') ?? null;
    if (last === sha256) {
      await client.query('COMMIT');
      return undefined;
    }
    await client.query(APPEND_JOURNAL_SQL, [JSON.stringify([journalRow(policyChangeEntry(registrationNumber(), sha256, last, new Date()))])]);
    await client.query('COMMIT');
    return { previous: last };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
    await pool.end();
  }
}

/**
 * Why a set offered at reload was refused: it failed a start-up check, its signature (production),
 * or its supergraph breaks what the one in force serves (schema:check's verdict `breaking`).
 */
export type PolicyRefusal = 'POLICY_SET_INVALID' | 'POLICY_SET_UNSIGNED' | 'POLICY_SET_BREAKING';

/**
 * A set refused at reload: a `policy-change` record with decision `refused`, the refused set's
 * hash in `operationId` (null when its files could not even be read) and the refusal's code in
 * `reason`. The set in force stays the last `allowed` one.
 */
export function policyRefusalEntry(registrationNumber: string, sha256: string | null, refusal: PolicyRefusal, at: Date): JournalEntry {
  return { ...policyChangeEntry(registrationNumber, sha256, null, at), decision: 'refused', reason: refusal };
}

export async function journalPolicyRefusal(url: string, sha256: string | null, refusal: PolicyRefusal, registrationNumber: () => string): Promise<void> {
  const pool = new Pool({ ...poolTarget(url), max: 1, application_name: 'hub-gateway-policy' });
  try {
    await pool.query(APPEND_JOURNAL_SQL, [JSON.stringify([journalRow(policyRefusalEntry(registrationNumber(), sha256, refusal, new Date()))])]);
  } finally {
    await pool.end();
  }
}
