import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  execute,
  getOperationAST,
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';

/**
 * Parsed and validated documents by their text, the least recently used dropped first. Bounded
 * both in entries and in the characters of the texts kept: the texts are the caller's, and a
 * parsed document takes several times its text in memory.
 */
export class DocumentCache {
  private readonly documents = new Map<string, DocumentNode>();
  private chars = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxChars: number,
  ) {}

  get size(): number {
    return this.documents.size;
  }

  get(text: string): DocumentNode | undefined {
    const document = this.documents.get(text);
    if (document) {
      // Most recently used goes last, so eviction takes the first.
      this.documents.delete(text);
      this.documents.set(text, document);
    }
    return document;
  }

  set(text: string, document: DocumentNode): void {
    if (text.length > this.maxChars || this.documents.has(text)) return;
    while (this.documents.size >= this.maxEntries || this.chars + text.length > this.maxChars) {
      const oldest = this.documents.keys().next().value!;
      this.documents.delete(oldest);
      this.chars -= oldest.length;
    }
    this.documents.set(text, document);
    this.chars += text.length;
  }
}

/**
 * Apollo Server's rule with introspection off, for the lean path's check only: a document it
 * flags goes to Apollo Server, which refuses it with its own message.
 */
export const NoIntrospection: ValidationRule = (context) => ({
  Field(node) {
    if (node.name.value === '__schema' || node.name.value === '__type') context.reportError(new GraphQLError('Introspection is off.', { nodes: [node] }));
  },
});

/** What the lean path answers: the HTTP status and the JSON text. */
export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface LeanExecutorOptions<C> {
  schema: GraphQLSchema;
  /** Rules beyond graphql's own, as Apollo Server was given them (its NoIntrospection among them). */
  validationRules: readonly ValidationRule[];
  context(req: IncomingMessage, res: ServerResponse): Promise<C>;
  /** Runs after execution and before the answer leaves (the R6 journal); returns the answer's extensions. */
  complete(context: C): Promise<Record<string, unknown>>;
  /** Headers every GraphQL answer carries besides its content type. */
  headers: Record<string, string>;
  documents: DocumentCache;
}

/** Apollo Server's answer type when the request names none, or accepts JSON (or anything) first. */
const JSON_UTF8 = 'application/json; charset=utf-8';
const PLAIN_ACCEPT = new Set([undefined, '*/*', 'application/json']);
/** Apollo Server's CSRF check passes a JSON body; any other content type goes its way. */
const JSON_CONTENT_TYPE = /^application\/json\s*(?:;|$)/i;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The request's operation, when it is the plain case Apollo Server would run straight to execution. */
interface PlainRequest {
  query: string;
  variables: Record<string, unknown> | undefined;
  operationName: string | undefined;
}

function plainRequest(req: IncomingMessage, body: unknown): PlainRequest | undefined {
  if (req.method !== 'POST' || !JSON_CONTENT_TYPE.test(req.headers['content-type'] ?? '') || !PLAIN_ACCEPT.has(req.headers.accept)) return undefined;
  if (!isRecord(body)) return undefined;
  const { query, variables, operationName, extensions } = body;
  if (typeof query !== 'string' || query.length === 0) return undefined;
  if (variables !== undefined && variables !== null && !isRecord(variables)) return undefined;
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return undefined;
  // Extensions matter to Apollo Server only as a persisted query, which it refuses here.
  if (extensions !== undefined && extensions !== null && (!isRecord(extensions) || extensions['persistedQuery'])) return undefined;
  return { query, variables: variables ?? undefined, operationName: operationName ?? undefined };
}

/**
 * Apollo Server's formatting of execution errors: every error gets a code (INTERNAL_SERVER_ERROR
 * when it has none), no stack trace, and an `http` extension sets the answer's status and headers
 * instead of being sent.
 */
function formatErrors(errors: readonly GraphQLError[], answer: Answer): GraphQLFormattedError[] {
  return errors.map((error) => {
    const extensions: Record<string, unknown> = { ...error.extensions, code: error.extensions['code'] ?? 'INTERNAL_SERVER_ERROR' };
    const http = extensions['http'];
    if (isRecord(http) && (!('status' in http) || typeof http['status'] === 'number') && (!('headers' in http) || http['headers'] instanceof Map)) {
      if (http['status']) answer.status = http['status'] as number;
      for (const [name, value] of (http['headers'] as Map<string, string> | undefined) ?? []) answer.headers[name] = value;
      delete extensions['http'];
    }
    return { ...error.toJSON(), extensions };
  });
}

/**
 * The common request without Apollo Server's per-request machinery: a POST of one operation whose
 * document was parsed and validated before, executed straight on the schema. It answers as Apollo
 * Server does, byte for byte; whatever is not that case (another method or content type, a
 * persisted query, a refused caller, a document that does not parse or validate, an operation
 * that cannot be chosen, variables that do not coerce) returns undefined and goes to Apollo
 * Server, which then answers and journals it as before.
 */
export function createLeanExecutor<C>(
  options: LeanExecutorOptions<C>,
): (req: IncomingMessage, res: ServerResponse, body: unknown) => Promise<Answer | undefined> {
  const rules = [...specifiedRules, ...options.validationRules];

  function documentOf(query: string): DocumentNode | undefined {
    const cached = options.documents.get(query);
    if (cached) return cached;
    let document: DocumentNode;
    try {
      document = parse(query);
    } catch {
      return undefined;
    }
    if (validate(options.schema, document, rules).length > 0) return undefined;
    options.documents.set(query, document);
    return document;
  }

  return async (req, res, body) => {
    const request = plainRequest(req, body);
    if (!request) return undefined;
    const document = documentOf(request.query);
    if (!document || !getOperationAST(document, request.operationName)) return undefined;
    let contextValue: C;
    try {
      contextValue = await options.context(req, res);
    } catch {
      return undefined;
    }
    let result: ExecutionResult;
    try {
      result = await execute({ schema: options.schema, document, contextValue, variableValues: request.variables, operationName: request.operationName });
    } catch {
      return undefined;
    }
    // No data means the request failed before any resolver ran: its variables did not coerce.
    if (result.data === undefined) return undefined;
    const answer: Answer = { status: 200, headers: { ...options.headers, 'content-type': JSON_UTF8 }, body: '' };
    const errors = result.errors ? formatErrors(result.errors, answer) : undefined;
    const extensions = { ...result.extensions, ...(await options.complete(contextValue)) };
    answer.body = `${JSON.stringify({ errors, data: result.data, extensions })}\n`;
    return answer;
  };
}
