import { GraphQLError, Kind, parse, type DocumentNode, type OperationDefinitionNode, type OperationTypeNode } from 'graphql';
import { Refusal } from './refusal';

/** The GraphQL request as the caller sent it; its text is read here and never stored (R6). */
export interface GraphQLRequestBody {
  query: string;
  variables: Record<string, unknown> | undefined;
  operationName: string | undefined;
}

export interface SelectedOperation {
  /** The caller's text: executed as it is when no stage changed the operation, so error locations stay theirs. */
  source: string;
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

/** The body's shape: one operation as a JSON object. A batch is refused as bulk copying (R7). */
export function readRequestBody(body: unknown): GraphQLRequestBody {
  if (Array.isArray(body)) throw new Refusal('BAD_USER_INPUT', 'Batched requests (a JSON array of operations) are refused: send one operation per request.', 400, { reason: 'BATCH' });
  if (!isObject(body)) throw new Refusal('BAD_REQUEST', 'POST a JSON object: {"query": "...", "variables": {...}}.', 400);
  const { query, variables, operationName } = body;
  if (typeof query !== 'string' || query.trim() === '') throw new Refusal('BAD_REQUEST', 'The request has no "query" string.', 400);
  if (variables !== undefined && variables !== null && !isObject(variables)) throw new Refusal('BAD_REQUEST', '"variables" must be an object.', 400);
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') throw new Refusal('BAD_REQUEST', '"operationName" must be a string.', 400);
  return {
    query,
    variables: (variables ?? undefined) as Record<string, unknown> | undefined,
    operationName: (operationName ?? undefined) as string | undefined,
  };
}

/** One operation per request: several need an operationName that picks one. `parsed`: the same text, parsed before (document-cache.ts). */
export function selectOperation(request: GraphQLRequestBody, parsed?: DocumentNode): SelectedOperation {
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
    throw new Refusal('BAD_USER_INPUT', 'The document contains several operations: name the one to run in "operationName".', 400, { reason: 'MULTIPLE_OPERATIONS' });
  } else {
    operation = operations[0];
  }
  if (!operation) throw new Refusal('BAD_USER_INPUT', 'The document contains no operation.', 400);
  return {
    source: request.query,
    document,
    operation,
    operationName: operation.name?.value ?? null,
    type: operation.operation,
    variables: request.variables,
    executable: operation,
    changed: false,
  };
}
