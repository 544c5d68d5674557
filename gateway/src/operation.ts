import { GraphQLError, Kind, parse, type DocumentNode, type OperationDefinitionNode, type OperationTypeNode } from 'graphql';
import { Refusal } from './refusal';

/** The GraphQL request as the caller sent it; its text is read here and never stored (R6). */
export interface GraphQLRequestBody {
  query: string;
  variables: Record<string, unknown> | undefined;
  operationName: string | undefined;
  extensions: Record<string, unknown> | undefined;
}

export interface SelectedOperation {
  document: DocumentNode;
  operation: OperationDefinitionNode;
  operationName: string | null;
  type: OperationTypeNode;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function readRequestBody(method: string, body: unknown, search: URLSearchParams): GraphQLRequestBody {
  if (Array.isArray(body)) throw new Refusal('BAD_USER_INPUT', 'Batched requests (a JSON array of operations) are refused: send one operation per request.', 400, { reason: 'BATCH' });
  let raw: Record<string, unknown>;
  if (method === 'GET') {
    raw = {
      query: search.get('query') ?? undefined,
      operationName: search.get('operationName') ?? undefined,
      variables: parseJsonParam(search.get('variables'), 'variables'),
      extensions: parseJsonParam(search.get('extensions'), 'extensions'),
    };
  } else if (method === 'POST') {
    if (!isObject(body)) throw new Refusal('BAD_REQUEST', 'POST a JSON object: {"query": "...", "variables": {...}}.', 400);
    raw = body;
  } else {
    throw new Refusal('BAD_REQUEST', 'Use GET or POST.', 405);
  }
  const { query, variables, operationName, extensions } = raw;
  if (typeof query !== 'string' || query.trim() === '') throw new Refusal('BAD_REQUEST', 'The request has no "query" string.', 400);
  if (variables !== undefined && variables !== null && !isObject(variables)) throw new Refusal('BAD_REQUEST', '"variables" must be an object.', 400);
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') throw new Refusal('BAD_REQUEST', '"operationName" must be a string.', 400);
  return {
    query,
    variables: (variables ?? undefined) as Record<string, unknown> | undefined,
    operationName: (operationName ?? undefined) as string | undefined,
    extensions: isObject(extensions) ? extensions : undefined,
  };
}

function parseJsonParam(value: string | null, name: string): unknown {
  if (value === null) return undefined;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    throw new Refusal('BAD_REQUEST', `The "${name}" parameter is not valid JSON.`, 400);
  }
}

/** One operation per request: several need an operationName that picks one. */
export function selectOperation(request: GraphQLRequestBody): SelectedOperation {
  let document: DocumentNode;
  try {
    document = parse(request.query, { maxTokens: 20_000 });
  } catch (error) {
    const message = error instanceof GraphQLError ? error.message : 'syntax error';
    throw new Refusal('GRAPHQL_PARSE_FAILED', message, 400);
  }
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  let operation: OperationDefinitionNode | undefined;
  if (request.operationName) {
    operation = operations.find((o) => o.name?.value === request.operationName);
    if (!operation) throw new Refusal('BAD_USER_INPUT', `No operation named "${request.operationName}" in the document.`, 400);
  } else if (operations.length === 1) {
    operation = operations[0];
  } else {
    if (operations.length === 0) throw new Refusal('BAD_USER_INPUT', 'The document contains no operation.', 400);
    throw new Refusal('BAD_USER_INPUT', 'The document contains several operations: name the one to run in "operationName".', 400, { reason: 'MULTIPLE_OPERATIONS' });
  }
  if (!operation) throw new Refusal('BAD_USER_INPUT', 'The document contains no operation.', 400);
  return { document, operation, operationName: operation.name?.value ?? null, type: operation.operation };
}
