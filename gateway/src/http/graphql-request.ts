import { GraphQLError, Kind, parse, type DocumentNode, type OperationDefinitionNode, type OperationTypeNode } from 'graphql';
import { persistedQueryNotFound } from '../policy/operation-registry';
import { Refusal } from '../pipeline/refusal';

/** The GraphQL request as the caller sent it; its text is read here and never stored (R6). */
export interface GraphQLRequestBody {
  /** The caller's text; for a registered operation, its reviewed text, set by the trusted-operations stage. */
  query: string;
  /** `sha256:<hex>` of a registered operation (`documentId`, or Apollo's `extensions.persistedQuery.sha256Hash`). */
  documentId: string | undefined;
  variables: Record<string, unknown> | undefined;
  operationName: string | undefined;
}

export interface SelectedOperation {
  /**
   * The text Apollo runs when no stage changed the operation: the caller's (so error locations
   * stay theirs), or a registered operation's reviewed text, with the operation's name blanked
   * (`anonymous`). Null for a document of several operations: the hub's print of `executable` runs.
   */
  source: string | null;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  operationName: string | null;
  type: OperationTypeNode;
  variables: Record<string, unknown> | undefined;
  /** What will be executed: the operation with fragments inlined and forbidden fields cut; null when nothing is left. */
  executable: OperationDefinitionNode | null;
  /** True when `executable` differs from what the caller asked (fields were cut). */
  changed: boolean;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A documentId, in the body or in Apollo's persisted-query extension; the text is never both. */
function documentIdOf(body: Record<string, unknown>): string | undefined {
  const { documentId, extensions } = body;
  const persisted = isObject(extensions) ? extensions['persistedQuery'] : undefined;
  if (documentId !== undefined && documentId !== null) {
    if (typeof documentId !== 'string') throw new Refusal('BAD_REQUEST', '"documentId" must be a string: "sha256:<hex>".', 400);
    return documentId.toLowerCase();
  }
  if (persisted === undefined || persisted === null) return undefined;
  const hash = isObject(persisted) ? persisted['sha256Hash'] : undefined;
  if (typeof hash !== 'string') throw new Refusal('BAD_REQUEST', '"extensions.persistedQuery.sha256Hash" must be a string.', 400);
  return `sha256:${hash.toLowerCase()}`;
}

/** The body's shape: one operation as a JSON object. A batch is refused as bulk copying (R7). */
export function readRequestBody(body: unknown): GraphQLRequestBody {
  if (Array.isArray(body))
    throw new Refusal('BAD_USER_INPUT', 'Batched requests (a JSON array of operations) are refused: send one operation per request.', 400, { reason: 'BATCH' });
  if (!isObject(body))
    throw new Refusal('BAD_REQUEST', 'POST a JSON object: {"query": "...", "variables": {...}} or {"documentId": "sha256:...", "variables": {...}}.', 400);
  const { query, variables, operationName } = body;
  const documentId = documentIdOf(body);
  if (documentId !== undefined && query !== undefined && query !== null)
    throw new Refusal('BAD_REQUEST', 'Send either "query" or a registered operation\'s id, not both.', 400);
  if (documentId === undefined && (typeof query !== 'string' || query.trim() === ''))
    throw new Refusal('BAD_REQUEST', 'The request has no "query" string and names no registered operation ("documentId").', 400);
  if (variables !== undefined && variables !== null && !isObject(variables)) throw new Refusal('BAD_REQUEST', '"variables" must be an object.', 400);
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string')
    throw new Refusal('BAD_REQUEST', '"operationName" must be a string.', 400);
  return {
    query: typeof query === 'string' ? query : '',
    documentId,
    variables: (variables ?? undefined) as Record<string, unknown> | undefined,
    operationName: (operationName ?? undefined) as string | undefined,
  };
}

/**
 * The caller's text with the operation's name blanked at the same offsets. Apollo names each
 * subgraph operation after it (`Name__subgraph__0`), and a name the caller chose is query text:
 * it must reach no connected system, whose logs the hub does not control.
 */
function anonymous(text: string, operation: OperationDefinitionNode): string {
  const at = operation.name?.loc;
  return at ? `${text.slice(0, at.start)}${' '.repeat(at.end - at.start)}${text.slice(at.end)}` : text;
}

/** Whether Apollo runs `source` (the caller's text, name blanked), not the hub's print of `executable`. */
export function runsSource(operation: SelectedOperation): operation is SelectedOperation & { source: string } {
  return operation.source !== null && !operation.changed;
}

/** One operation per request: several need an operationName that picks one. `parsed`: the same text, parsed before (document-cache.ts). */
export function selectOperation(request: GraphQLRequestBody, parsed?: DocumentNode): SelectedOperation {
  // An id the trusted-operations stage did not resolve names nothing this caller may run.
  if (request.documentId !== undefined && request.query === '') throw persistedQueryNotFound();
  let document: DocumentNode;
  try {
    document = parsed ?? parse(request.query, { maxTokens: 20_000 });
  } catch (error) {
    // The lexer's message only: it quotes no more than a character of the caller's text.
    const message = error instanceof GraphQLError ? error.message : 'Syntax error.';
    throw new Refusal('GRAPHQL_PARSE_FAILED', message, 400);
  }
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  let operation: OperationDefinitionNode | undefined;
  if (request.operationName) {
    operation = operations.find((o) => o.name?.value === request.operationName);
    if (!operation) throw new Refusal('BAD_USER_INPUT', 'No operation in the document has the name given in "operationName".', 400);
  } else if (operations.length > 1) {
    throw new Refusal('BAD_USER_INPUT', 'The document contains several operations: name the one to run in "operationName".', 400, {
      reason: 'MULTIPLE_OPERATIONS',
    });
  } else {
    operation = operations[0];
  }
  if (!operation) throw new Refusal('BAD_USER_INPUT', 'The document contains no operation.', 400);
  return {
    // Among several operations an anonymous one is invalid: those run the hub's print, which has no name.
    source: operations.length === 1 ? anonymous(request.query, operation) : null,
    document,
    operation,
    operationName: operation.name?.value ?? null,
    type: operation.operation,
    variables: request.variables,
    executable: operation,
    changed: false,
  };
}
