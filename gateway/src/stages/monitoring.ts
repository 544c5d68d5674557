import type { Logger } from 'pino';
import { scalarLineLogger } from '../monitoring/logger';
import type { GatewayMetrics } from '../monitoring/metrics';
import type { Stage } from '../pipeline/stage';

/**
 * Metrics and the request's log line (X-Road's monitoring part), outermost so that they see
 * the answer as sent, the journal's verdict included. They carry codes and counts only.
 */
export function useMonitoring(metrics: GatewayMetrics, logger: Logger): Stage {
  const requestLine = scalarLineLogger(logger);
  return {
    name: 'monitoring',
    onResult(hub, result) {
      const entry = hub.entry;
      if (!entry) return;
      if (hub.auditFailed) logger.error({ reg: hub.registrationNumber }, 'audit journal unavailable');
      metrics.countRequest(entry, hub.auditFailed, hub.elapsedMs() / 1000);
      // The event's name only ("request", "sign-in", "sign-out"); what was asked is never logged.
      const message = hub.event === 'query' ? 'request' : hub.event;
      requestLine.info(
        {
          reg: hub.registrationNumber,
          event: hub.event,
          status: result.status,
          agency: entry.agency,
          decision: entry.decision,
          reason: hub.auditFailed ? 'AUDIT_UNAVAILABLE' : entry.reason,
          records: entry.records,
          ms: entry.durationMs,
        },
        message,
      );
    },
  };
}
