import type { IncomingMessage } from 'node:http';
import type { AccessLevel } from '@hub/kit';
import type { JournalEntry } from '@hub/audit';
import type { ForbiddenPath } from '../policy/access';
import type { Identity, Purpose } from '../identity/verifier';
import type { SelectedOperation } from '../http/graphql-request';
import type { Refusal } from './refusal';
import { RequestTrace } from '../monitoring/tracing';

/**
 * Everything the hub learns about one request as it passes the stages: who asked, why, what
 * was decided and how many records came back — what the audit journal records. It holds the
 * parsed operation while the request runs, never in a form that outlives it, and never data.
 */
export class HubRequest {
  readonly receivedAt: Date;
  readonly started = process.hrtime.bigint();
  registrationNumber = '';
  identity: Identity | null = null;
  purpose: Purpose | null = null;
  operation: SelectedOperation | null = null;
  /** The registered operation the request named: its id and reviewed name, never the caller's text. */
  registeredOperation: { id: string; name: string } | null = null;
  /** Shared between requests of the same agency and roles (stage access): never changed. */
  levels: ReadonlyMap<string, AccessLevel> = new Map();
  /** Resource → coordinates read; shared between requests of the same executable and levels (stage records): never changed. */
  requested: ReadonlyMap<string, ReadonlySet<string>> = new Map();
  forbidden: ForbiddenPath[] = [];
  /** Records per resource, counted by the gateway in the answer the caller receives. */
  readonly records = new Map<string, number>();
  /** The persons the request concerned, as keyed hashes (stage subjects); never a FİN in clear. */
  readonly subjects = new Set<string>();
  /** The journal's record of this request, once written (the monitoring stage labels from it). */
  entry: JournalEntry | null = null;
  auditFailed = false;
  /** Its spans (monitoring/tracing.ts): the stage groups, the plan and the subgraph calls. */
  readonly trace: RequestTrace;
  /** Set when the request must end now (the stop's grace is over); a plain field, not an AbortController per request. */
  private cutWith: Refusal | null = null;
  private onCut: ((reason: Refusal) => void) | null = null;

  constructor(
    readonly http: IncomingMessage,
    /** What the journal records this request as; a sign-in's callback learns only at its end whether it is `sign-in-failed`. */
    public event: JournalEntry['event'],
    now: Date,
  ) {
    this.receivedAt = now;
    this.trace = new RequestTrace(event);
  }

  get clientAddress(): string | null {
    return this.http.socket.remoteAddress ?? null;
  }

  header(name: string): string | undefined {
    const value = this.http.headers[name];
    return Array.isArray(value) ? value[0] : value;
  }

  /** Ends the request now with this refusal (stage shutdown): the pipeline answers and journals it as that. */
  cut(reason: Refusal): void {
    if (this.cutWith) return;
    this.cutWith = reason;
    this.onCut?.(reason);
  }

  /** How the pipeline hears of a cut; told at once if the request was cut before it asked. */
  whenCut(listener: (reason: Refusal) => void): void {
    this.onCut = listener;
    if (this.cutWith) listener(this.cutWith);
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
