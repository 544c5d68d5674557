import { context, propagation, ProxyTracerProvider, trace, type Attributes, type Tracer, type TracerOptions } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import {
  ATTR_DB_NAMESPACE,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_TEXT,
  ATTR_DB_SYSTEM_NAME,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_SERVICE_NAME,
} from '@opentelemetry/semantic-conventions';
import type { ReadableSpan, Sampler, SpanExporter } from '@opentelemetry/sdk-trace-node';
import type { TracingConfig } from './config';

/**
 * OpenTelemetry traces of the gateway and the subgraphs: the one place the SDK is set up.
 * Off (no OTEL_* variable, config.ts), nothing is loaded or registered, and every span the code
 * starts is the API's no-op. On, spans go through a batch processor to an OTLP/HTTP collector,
 * and only what the hub names reaches it (docs/decisions/0024-traces.md):
 * - only the hub's own tracer and pg's instrumentation get a real tracer; every other library
 *   tracing through the global API (Apollo's gateway names its spans after the caller's
 *   operation and records exceptions with their messages) gets a no-op one;
 * - every exported span is cut to the attributes listed below, with no events, no links and
 *   no status message: an error is told by its code (`hub.error_code`), never by its text.
 */
export const HUB_TRACER = 'hub';
const PG_TRACER = '@opentelemetry/instrumentation-pg';

/** The hub's tracer: the API's no-op unless startTracing registered a provider (asked for each request, so a stop takes effect). */
export const hubTracer = (): Tracer => trace.getTracer(HUB_TRACER);

/** The attributes the hub sets: codes, numbers and names of its own, never what a caller typed. */
export const ATTR = {
  registrationNumber: 'hub.registration_number',
  agency: 'hub.agency',
  resource: 'hub.resource',
  subgraph: 'hub.subgraph',
  decision: 'hub.decision',
  errorCode: 'hub.error_code',
  event: 'hub.event',
  failure: 'hub.failure',
  status: ATTR_HTTP_RESPONSE_STATUS_CODE,
} as const;

/**
 * What an exported span may carry: the hub's attributes and pg's description of a statement —
 * its text without values (every statement is parameterised; enhancedDatabaseReporting, which
 * adds the values, stays off), the database, the server and PostgreSQL's error code.
 */
const EXPORTED_ATTRIBUTES = new Set<string>([
  ...Object.values(ATTR),
  ATTR_DB_SYSTEM_NAME,
  ATTR_DB_NAMESPACE,
  ATTR_DB_QUERY_TEXT,
  ATTR_DB_OPERATION_NAME,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_ERROR_TYPE,
  // The names pg's instrumentation uses unless OTEL_SEMCONV_STABILITY_OPT_IN asks for the stable ones above.
  'db.system',
  'db.name',
  'db.user',
  'db.statement',
  'db.connection_string',
  'db.postgresql.plan',
  'net.peer.name',
  'net.peer.port',
]);

export interface Tracing {
  /** Exports what has ended so far (tests, and before a stop). */
  flush(): Promise<void>;
  /** Exports what is left and unregisters: the API is a no-op again. */
  stop(): Promise<void>;
}

/** Whether a span holds anything but the attributes listed: the hub's own spans, as a rule, do not. */
function clean(span: ReadableSpan): boolean {
  if (span.events.length > 0 || span.links.length > 0 || span.status.message !== undefined) return false;
  for (const key in span.attributes) if (!EXPORTED_ATTRIBUTES.has(key)) return false;
  return true;
}

/** The exported copy of a span: only the attributes listed, no events, links or status message. */
function sanitized(span: ReadableSpan): ReadableSpan {
  if (clean(span)) return span;
  const attributes: Attributes = {};
  for (const key in span.attributes) if (EXPORTED_ATTRIBUTES.has(key)) attributes[key] = span.attributes[key];
  return {
    name: span.name,
    kind: span.kind,
    spanContext: () => span.spanContext(),
    ...(span.parentSpanContext ? { parentSpanContext: span.parentSpanContext } : {}),
    startTime: span.startTime,
    endTime: span.endTime,
    duration: span.duration,
    ended: span.ended,
    status: { code: span.status.code },
    attributes,
    links: [],
    events: [],
    resource: span.resource,
    instrumentationScope: span.instrumentationScope,
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}

class SanitizingExporter implements SpanExporter {
  constructor(private readonly next: SpanExporter) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.next.export(spans.map(sanitized), done);
  }

  shutdown(): Promise<void> {
    return this.next.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.next.forceFlush?.() ?? Promise.resolve();
  }
}

/**
 * Starts the SDK when traces are on: a tracer provider registered with the API (with the W3C
 * traceparent propagator, no baggage) and, in a subgraph, Node's AsyncLocalStorage context and
 * pg's instrumentation. That must run before pg is first required (the subgraph's process entry,
 * main.ts, loads its modules only after this).
 */
export async function startTracing(config: TracingConfig | null, options: { instrumentPostgres: boolean }): Promise<Tracing | null> {
  if (!config) return null;
  const [sdk, { OTLPTraceExporter }, { W3CTraceContextPropagator }, { defaultResource, resourceFromAttributes }] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/core'),
    import('@opentelemetry/resources'),
  ]);
  const { ratio } = config.sampler;
  const root: Sampler =
    config.sampler.root === 'always_on'
      ? new sdk.AlwaysOnSampler()
      : config.sampler.root === 'always_off'
        ? new sdk.AlwaysOffSampler()
        : new sdk.TraceIdRatioBasedSampler(ratio);
  // A library's own tracer (Apollo's gateway) gets one that records nothing: only the hub's and pg's spans exist.
  const noop = new ProxyTracerProvider();
  class HubTracerProvider extends sdk.NodeTracerProvider {
    override getTracer(name: string, version?: string, tracerOptions?: TracerOptions): Tracer {
      return name === HUB_TRACER || name === PG_TRACER ? super.getTracer(name, version, tracerOptions) : noop.getTracer(name);
    }
  }
  const provider = new HubTracerProvider({
    resource: defaultResource().merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: config.serviceName })),
    sampler: config.sampler.parentBased ? new sdk.ParentBasedSampler({ root }) : root,
    spanProcessors: [
      new sdk.BatchSpanProcessor(
        new SanitizingExporter(new OTLPTraceExporter({ url: config.endpoint, headers: config.headers, timeoutMillis: config.batch.exportTimeoutMillis })),
        config.batch,
      ),
    ],
  });
  // The gateway passes each span's parent explicitly (its spans are few and known); a context manager
  // (AsyncLocalStorage) would put a hook on every promise of the process. A subgraph needs one: pg's
  // instrumentation finds the statement's parent in the active context.
  provider.register({ propagator: new W3CTraceContextPropagator(), ...(options.instrumentPostgres ? {} : { contextManager: null }) });
  let unregister = () => {};
  if (options.instrumentPostgres) {
    const [{ registerInstrumentations }, { PgInstrumentation }] = await Promise.all([
      import('@opentelemetry/instrumentation'),
      import('@opentelemetry/instrumentation-pg'),
    ]);
    unregister = registerInstrumentations({
      tracerProvider: provider,
      // Statements of a request only (start-up's migrations and seeding are no request's), without their values.
      instrumentations: [new PgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false, addSqlCommenterCommentToQueries: false })],
    });
  }
  return {
    flush: () => provider.forceFlush(),
    async stop() {
      unregister();
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
