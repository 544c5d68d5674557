import { propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { ATTR, hubTracer } from '@hub/kit';
import type { JournalEntry } from '@hub/audit';
import { requestOutcome, type SubgraphFailure } from './metrics';

/**
 * The pipeline's stage groups (stage.ts), one span each rather than one per stage: the checks
 * before execution (headers, body, operation), the execution (the plan and the subgraph calls
 * below it) and the result (the journal's write among the stages' answers).
 */
export type StageGroup = 'hub.stages.checks' | 'hub.execute' | 'hub.stages.result';

/** One subgraph call's span; its traceparent travels with the call (docs/decisions/0024-traces.md). */
export interface SubgraphSpan {
  /** Adds the call's traceparent to its headers. */
  inject(headers: Record<string, string>): void;
  end(status: number, code: string | null): void;
  fail(failure: SubgraphFailure): void;
}

/**
 * One request's trace in the gateway (the kit's tracing.ts sets the SDK up): a root span for
 * the request, a child for each stage group, the plan and each subgraph call below the
 * execution. The caller's own traceparent is never continued: its ids are the caller's words.
 * Spans carry codes and numbers only, set from the journal's entry as the metrics are, so a
 * request is counted once in each and named alike. With traces off every span is the API's
 * no-op and nothing here does more than start it.
 */
export class RequestTrace {
  private readonly tracer: Tracer = hubTracer();
  private readonly span: Span;
  private readonly context: Context;
  private readonly recording: boolean;
  private group: Span | null = null;
  private last: StageGroup | null = null;
  private execution: Context;
  private plan: Span | null = null;

  constructor(event: JournalEntry['event']) {
    this.span = this.tracer.startSpan('hub.request', { kind: SpanKind.SERVER, root: true }, ROOT_CONTEXT);
    this.recording = this.span.isRecording();
    if (this.recording) this.span.setAttribute(ATTR.event, event);
    this.context = trace.setSpan(ROOT_CONTEXT, this.span);
    this.execution = this.context;
  }

  /** Ends the group running and starts the next. */
  enter(group: StageGroup): void {
    // A request cut short may still be running its stages while its result is made: the result's span stays the last.
    if (!this.recording || this.last === 'hub.stages.result') return;
    this.last = group;
    this.group?.end();
    this.group = this.tracer.startSpan(group, undefined, this.context);
    if (group === 'hub.execute') this.execution = trace.setSpan(this.context, this.group);
  }

  /** Apollo's validation and query planning: from the execution's start to the plan. */
  planning(): void {
    if (this.recording) this.plan = this.tracer.startSpan('hub.plan', undefined, this.execution);
  }

  planned(): void {
    this.plan?.end();
    this.plan = null;
  }

  subgraphCall(subgraph: string, resource: string | null): SubgraphSpan {
    // Not recording, the root's context still travels, so the subgraphs follow the sampling decision.
    const span = this.recording ? this.tracer.startSpan('hub.subgraph', { kind: SpanKind.CLIENT }, this.execution) : null;
    span?.setAttribute(ATTR.subgraph, subgraph);
    if (resource) span?.setAttribute(ATTR.resource, resource);
    const context = span ? trace.setSpan(this.execution, span) : this.context;
    return {
      inject: (headers) => propagation.inject(context, headers),
      end: (status, code) => {
        if (!span) return;
        span.setAttribute(ATTR.status, status);
        if (code) {
          span.setAttribute(ATTR.errorCode, code);
          span.setStatus({ code: SpanStatusCode.ERROR });
        }
        span.end();
      },
      fail: (failure) => {
        if (!span) return;
        span.setAttributes({ [ATTR.failure]: failure, [ATTR.errorCode]: 'SUBGRAPH_UNAVAILABLE' });
        span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      },
    };
  }

  /** The request's end: its registration number and the journal's verdict, as the metrics count it. */
  finish(registrationNumber: string, entry: JournalEntry | null, auditFailed: boolean, status: number): void {
    if (!this.recording) return;
    this.planned();
    this.group?.end();
    this.span.setAttributes({ [ATTR.registrationNumber]: registrationNumber, [ATTR.status]: status });
    if (entry) {
      const { agency, decision, code } = requestOutcome(entry, auditFailed);
      this.span.setAttributes({
        [ATTR.agency]: agency,
        [ATTR.decision]: decision,
        [ATTR.resource]: entry.resources.map((r) => r.resource),
      });
      if (code !== 'none') this.span.setAttribute(ATTR.errorCode, code);
      if (decision === 'refused' || status >= 500) this.span.setStatus({ code: SpanStatusCode.ERROR });
    }
    this.span.end();
  }
}
