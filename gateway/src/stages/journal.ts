import { journalEntryOf } from '../journal/entry';
import { JournalUnavailable, type AuditJournal } from '../journal/writer';
import type { GatewayMetrics } from '../monitoring/metrics';
import { Refusal } from '../pipeline/refusal';
import { replaceWithRefusal, type Stage } from '../pipeline/stage';

export const auditUnavailable = () =>
  new Refusal('AUDIT_UNAVAILABLE', 'The audit journal cannot be written, so no data is served. Try again shortly.', 503, {}, { 'retry-after': '5' });

/**
 * R9 / 6.9: every answer gets one journal record, durable before the answer leaves. It runs
 * after every inner stage has shaped the answer, so it records what the caller will see; when
 * the record cannot be written the caller gets AUDIT_UNAVAILABLE and nothing else (fail closed).
 * Each record names the policy set of the engine the request ran under (docs/decisions/0025).
 */
export function useJournal(journal: AuditJournal, metrics: GatewayMetrics, policySet: string | null): Stage {
  return {
    name: 'journal',
    after: ['registration'],
    async onResult(hub, result) {
      const entry = journalEntryOf(hub, result, policySet);
      hub.entry = entry;
      const started = process.hrtime.bigint();
      try {
        await journal.append(entry);
        metrics.journalWrite(Number(process.hrtime.bigint() - started) / 1e9, true);
      } catch (error) {
        metrics.journalWrite(Number(process.hrtime.bigint() - started) / 1e9, false);
        metrics.journalRefused(error instanceof JournalUnavailable && error.reason === 'queue_full' ? 'queue_full' : 'unwritable');
        hub.auditFailed = true;
        replaceWithRefusal(result, auditUnavailable());
      }
    },
  };
}
