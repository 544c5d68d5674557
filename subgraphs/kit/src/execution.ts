import type { IncomingMessage } from 'node:http';
import {
  getOperationAST,
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';
import { createHandler, type Response } from 'graphql-http';
import { LRUCache } from 'lru-cache';
import { context as activeContext, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import { RequestRejected } from './http';
import { ATTR, hubTracer } from './tracing';

/**
 * Parsed and validated documents by their text. Bounded both in entries and in the characters
 * of the texts kept: the texts are the caller's, and a parsed document takes several times its
 * text in memory.
 */
export type ValidDocuments = LRUCache<string, DocumentNode>;

export function validDocuments(maxEntries: number, maxChars: number): ValidDocuments {
  return new LRUCache<string, DocumentNode>({ max: maxEntries, maxSize: maxChars, sizeCalculation: (_document, text) => text.length });
}

/** What a subgraph answers on /graphql: the HTTP status, its headers and the JSON text. */
export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface GraphQLEndpointOptions<C> {
  schema: GraphQLSchema;
  /** The request's context, the caller verified first: a GraphQLError refuses the caller (401) before anything else is read. */
  context(req: IncomingMessage): Promise<C>;
  /** Runs once for every request whose caller was accepted, after execution and before the answer leaves (the R6 journal). */
  complete(context: C): Promise<void>;
  /** The request span's attributes once the caller is verified: its registration number and body (tracing.ts). */
  attributes(context: C): Attributes;
  /** Headers every GraphQL answer carries besides its content type. */
  headers: Record<string, string>;
  documents: ValidDocuments;
}

/** Only the gateway calls a subgraph, and it plans from the composed supergraph: no introspection. */
const RULES = [...specifiedRules, NoSchemaIntrospectionCustomRule];
const JSON_UTF8 = 'application/json; charset=utf-8';

/**
 * The one error format of a subgraph's answers: every error has a code (INTERNAL_SERVER_ERROR
 * when it has none; BAD_REQUEST for a request graphql-http could not read), never a stack trace.
 */
function formatError(error: Readonly<GraphQLError | Error>): GraphQLError {
  if (!(error instanceof GraphQLError)) return new GraphQLError(error.message, { extensions: { code: 'BAD_REQUEST' } });
  if (typeof error.extensions['code'] === 'string') return error as GraphQLError;
  return new GraphQLError(error.message, {
    ...(error.nodes
      ? { nodes: error.nodes }
      : { ...(error.source ? { source: error.source } : {}), ...(error.positions ? { positions: error.positions } : {}) }),
    ...(error.path ? { path: error.path } : {}),
    extensions: { ...error.extensions, code: 'INTERNAL_SERVER_ERROR' },
  });
}

function refusal(status: number, statusText: string, errors: readonly GraphQLError[]): Response {
  return [JSON.stringify({ errors }), { status, statusText, headers: { 'content-type': JSON_UTF8 } }];
}

/** A request that cannot run is answered 400, each error with the given code, as Apollo Server answered it before. */
function badRequest(errors: readonly GraphQLError[], code: string): Response {
  const coded = errors.map(
    (e) => new GraphQLError(e.message, { nodes: e.nodes ?? null, source: e.source, positions: e.positions, extensions: { ...e.extensions, code } }),
  );
  return refusal(400, 'Bad Request', coded);
}

/** The state of one request between graphql-http's hooks. */
interface Exchange<C> {
  context?: C;
}

/**
 * A subgraph's only GraphQL server: graphql-http (GraphQL over HTTP, GET and POST) over the
 * federated schema, with three additions. The caller is verified before the document is even
 * parsed; a document is parsed and validated once per text; and every request whose caller was
 * accepted goes through `complete` (the R6 journal) before its answer leaves, whatever the
 * answer. A `complete` that throws rejects the answer (the HTTP layer answers its status).
 */
export function createGraphQLEndpoint<C>(options: GraphQLEndpointOptions<C>): (req: IncomingMessage, body: unknown) => Promise<Answer> {
  const { schema, documents } = options;

  function documentOf(query: string): { document: DocumentNode } | { refused: Response } {
    const cached = documents.get(query);
    if (cached) return { document: cached };
    let document: DocumentNode;
    try {
      document = parse(query);
    } catch (error) {
      return { refused: badRequest([error as GraphQLError], 'GRAPHQL_PARSE_FAILED') };
    }
    const errors = validate(schema, document, RULES);
    if (errors.length > 0) return { refused: badRequest(errors, 'GRAPHQL_VALIDATION_FAILED') };
    documents.set(query, document);
    return { document };
  }

  const handler = createHandler<IncomingMessage, Exchange<C>, Record<PropertyKey, unknown>>({
    schema,
    formatError,
    async onSubscribe(req, params) {
      try {
        req.context.context = await options.context(req.raw);
      } catch (error) {
        if (!(error instanceof GraphQLError)) throw error;
        return refusal(401, 'Unauthorized', [formatError(error)]);
      }
      const checked = documentOf(params.query);
      if ('refused' in checked) return checked.refused;
      if (!getOperationAST(checked.document, params.operationName)) {
        return badRequest([new GraphQLError('The request names no operation of its document, or it has several and names none.')], 'BAD_REQUEST');
      }
      return {
        schema,
        document: checked.document,
        operationName: params.operationName ?? null,
        variableValues: params.variables ?? null,
        contextValue: req.context.context as Record<PropertyKey, unknown>,
      };
    },
    onOperation(_req, _args, result) {
      // No data: execution stopped before any resolver ran, because the variables did not coerce.
      if (result.data === undefined) return badRequest(result.errors ?? [], 'BAD_USER_INPUT');
      return undefined;
    },
  });

  return async (req, body) => {
    // The gateway's call carries its traceparent beside the assertion: this request's spans join its trace.
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const tracer = hubTracer();
    const span = tracer.startSpan('subgraph.request', { kind: SpanKind.SERVER }, parent);
    const traced = trace.setSpan(parent, span);
    const exchange: Exchange<C> = {};
    try {
      // Its statements (pg's instrumentation) are children of the execution's span.
      const execution = tracer.startSpan('subgraph.execute', undefined, traced);
      const [text, init] = await activeContext
        .with(trace.setSpan(traced, execution), () =>
          handler({
            method: req.method ?? 'GET',
            url: req.url ?? '/',
            headers: req.headers,
            body: (body ?? null) as string | Record<string, unknown> | null,
            raw: req,
            context: exchange,
          }),
        )
        .finally(() => execution.end());
      if (exchange.context !== undefined) {
        span.setAttributes(options.attributes(exchange.context));
        const journal = tracer.startSpan('subgraph.journal', undefined, traced);
        try {
          await activeContext.with(trace.setSpan(traced, journal), () => options.complete(exchange.context as C));
        } finally {
          journal.end();
        }
      }
      endRequestSpan(span, init.status, init.status === 200 ? null : errorCodeOf(text));
      return { status: init.status, headers: { ...options.headers, ...init.headers }, body: text ?? '' };
    } catch (error) {
      endRequestSpan(span, error instanceof RequestRejected ? error.status : 500, error instanceof RequestRejected ? error.code : 'INTERNAL_SERVER_ERROR');
      throw error;
    }
  };
}

/** The first error's code of a refused answer: a code the subgraph set, never a message. */
function errorCodeOf(text: string | null): string {
  try {
    const code = (JSON.parse(text ?? '') as { errors?: Array<{ extensions?: { code?: unknown } }> }).errors?.[0]?.extensions?.code;
    return typeof code === 'string' && /^[A-Z][A-Z_]{0,39}$/.test(code) ? code : 'OTHER';
  } catch {
    return 'OTHER';
  }
}

function endRequestSpan(span: Span, status: number, code: string | null): void {
  span.setAttribute(ATTR.status, status);
  if (code) {
    span.setAttribute(ATTR.errorCode, code);
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}
