import type { AccessLevel, Caller } from '@hub/kit';
import type { ForbiddenPath } from './access';
import type { Identity, Purpose } from './identity';

/**
 * Everything the hub learns about one request as it passes the pipeline. It holds who asked,
 * why, what was decided and how many records came back: what the audit journal records.
 * It never holds the query text, variables or data.
 */
export class HubRequest {
  readonly receivedAt = new Date();
  readonly started = process.hrtime.bigint();
  identity: Identity | null = null;
  purpose: Purpose | null = null;
  operationType: string | null = null;
  operationName: string | null = null;
  levels = new Map<string, AccessLevel>();
  requested = new Map<string, Set<string>>();
  forbidden: ForbiddenPath[] = [];
  readonly records = new Map<string, number>();
  errorCodes: string[] = [];
  /** Most results one search may return (policies/limits.json), forwarded to the subgraphs. */
  searchLimit = 10;

  constructor(
    readonly registrationNumber: string,
    readonly clientAddress: string | null,
    private readonly resourceOfSubgraph: (subgraph: string) => string | null,
  ) {}

  levelOf(subgraph: string): AccessLevel | undefined {
    const resource = this.resourceOfSubgraph(subgraph);
    return resource ? this.levels.get(resource) : undefined;
  }

  callerFor(level: AccessLevel): Caller {
    if (!this.identity || !this.purpose) throw new Error('callerFor before authentication');
    return {
      agency: this.identity.agency, sub: this.identity.sub, roles: this.identity.roles, fin: this.identity.fin,
      purpose: this.purpose.purpose, caseNumber: this.purpose.caseNumber, level, registrationNumber: this.registrationNumber,
      searchLimit: this.searchLimit,
    };
  }

  countRecords(subgraph: string, count: number): void {
    const resource = this.resourceOfSubgraph(subgraph);
    if (resource) this.records.set(resource, (this.records.get(resource) ?? 0) + count);
  }

  totalRecords(): number {
    let total = 0;
    for (const n of this.records.values()) total += n;
    return total;
  }

  elapsedMs(): number {
    return Number(process.hrtime.bigint() - this.started) / 1e6;
  }
}

export interface HubContext {
  hub: HubRequest;
}
