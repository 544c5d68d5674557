import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import {
  GraphQLError,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  Kind,
  Lexer,
  Source,
  TokenKind,
  typeFromAST,
  validate,
  visit,
  type DocumentNode,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { createComplexityRule, simpleEstimator, type ComplexityEstimator } from 'graphql-query-complexity';
import type { Role } from '@hub/kit';
import { Refusal } from '../pipeline/refusal';

/**
 * Operation limits (R7: no copying through queries, no overloading the network), per role,
 * from policies/limits.json. Depth, aliases and directives are graphql-armor's rules; cost is
 * graphql-query-complexity with list multipliers; tokens are counted by graphql's own lexer.
 * A refusal names the limit and the measured value, before any subgraph is called.
 */
export interface OperationLimits {
  depth: number;
  aliases: number;
  directives: number;
  tokens: number;
  rootFields: number;
  cost: number;
  pageSize: number;
  searchResults: number;
}

export const LIMIT_NAMES: ReadonlyArray<keyof OperationLimits> = [
  'depth',
  'aliases',
  'directives',
  'tokens',
  'rootFields',
  'cost',
  'pageSize',
  'searchResults',
];

export const tooComplex = (limit: string, max: number, found: number) =>
  new Refusal('QUERY_TOO_COMPLEX', `The operation exceeds the ${limit} limit: ${found} > ${max}. Ask for less in one request.`, 400, { limit, max, found });

/** The most generous of the caller's roles applies (a caller normally has one role). */
export function limitsFor(byRole: ReadonlyMap<Role, OperationLimits>, roles: readonly Role[]): OperationLimits {
  const own = roles.map((r) => byRole.get(r)).filter((l): l is OperationLimits => l !== undefined);
  const first = own[0];
  if (!first) throw new Refusal('FORBIDDEN', "No limits are defined for the caller's roles.", 403);
  return Object.fromEntries(LIMIT_NAMES.map((name) => [name, Math.max(...own.map((l) => l[name]))])) as unknown as OperationLimits;
}

/** Counted before parsing, so an oversized document costs a lexer pass and nothing more. Returns the count, within the limit. */
export function enforceTokenLimit(query: string, limits: OperationLimits): number {
  const tokens = countTokens(query, limits.tokens);
  if (tokens > limits.tokens) {
    throw new Refusal('QUERY_TOO_COMPLEX', `The operation exceeds the tokens limit: more than ${limits.tokens}.`, 400, {
      limit: 'tokens',
      max: limits.tokens,
      found: tokens,
    });
  }
  return tokens;
}

export function countTokens(query: string, max: number): number {
  const lexer = new Lexer(new Source(query));
  let count = 0;
  try {
    // Stop one past the limit: the measured value then says "more than", without lexing megabytes.
    for (let token = lexer.advance(); token.kind !== TokenKind.EOF && count <= max; token = lexer.advance()) count += 1;
  } catch (error) {
    // A lexer error is the caller's syntax, the same answer the parser would give.
    if (error instanceof GraphQLError) throw new Refusal('GRAPHQL_PARSE_FAILED', error.message, 400);
    throw error;
  }
  return count;
}

/**
 * A paginated field costs its children times the page it asks for (`first`, else the page
 * size); other fields cost one plus their children. Unpaginated lists are small by design
 * (a person's contact agencies, a record's roles), so they carry no multiplier. The largest
 * page asked for is kept: `args` has the variables and the defaults of the operation and of
 * the schema already applied, so no page escapes the cap by hiding in a default.
 */
function pageMultiplier(pageSize: number, pages: { largest: number }): ComplexityEstimator {
  return ({ field, args, childComplexity }) => {
    if (!field.args.some((a) => a.name === 'first')) return undefined;
    const first = typeof args['first'] === 'number' ? args['first'] : pageSize;
    pages.largest = Math.max(pages.largest, first);
    return 1 + Math.max(1, first) * Math.max(1, childComplexity);
  };
}

/**
 * graphql-query-complexity stops after this many selections evaluated. Within the token limit
 * only fragments spread into each other reach it, and their cost doubles with each level:
 * far beyond any cost limit, and too expensive to count.
 */
const MAX_EVALUATED_NODES = 10_000;
const TOO_MANY_NODES = 'Query exceeds the maximum allowed number of nodes.';

/** True when every limit was measured and kept; false when invalid arguments or variables left cost and page size to the gateway's validation. */
export function enforceLimits(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
  limits: OperationLimits,
): boolean {
  const rootFields = operation.selectionSet.selections.filter((s) => !(s.kind === Kind.FIELD && s.name.value === '__typename')).length;
  if (rootFields > limits.rootFields) throw tooComplex('rootFields', limits.rootFields, rootFields);

  // One pass over the document for all four rules. graphql-armor's rules measure with no limit
  // of their own (onAccept reports the count); the limit is applied here, to the largest operation's.
  const measured = { depth: 0, aliases: 0, directives: 0 };
  const measure = (limit: keyof typeof measured) => ({
    n: Number.MAX_SAFE_INTEGER,
    onAccept: [
      (_ctx: unknown, { n }: { n: number }) => {
        measured[limit] = Math.max(measured[limit], n);
      },
    ],
  });
  const pages = { largest: 0 };
  let cost = 0;
  let invalid = false;
  let uncountable = false;
  try {
    invalid =
      validate(schema, document, [
        maxDepthRule({ ...measure('depth'), flattenFragments: true }),
        maxAliasesRule(measure('aliases')),
        maxDirectivesRule(measure('directives')),
        createComplexityRule({
          maximumComplexity: Number.MAX_SAFE_INTEGER,
          maxQueryNodes: MAX_EVALUATED_NODES,
          variables: variables ?? {},
          ...(operation.name ? { operationName: operation.name.value } : {}),
          estimators: [pageMultiplier(limits.pageSize, pages), simpleEstimator({ defaultComplexity: 1 })],
          onComplete: (complexity) => {
            cost = complexity;
          },
        }),
      ]).length > 0;
  } catch (error) {
    if (!(error instanceof GraphQLError && error.message === TOO_MANY_NODES)) throw error;
    uncountable = true;
  }
  for (const limit of ['depth', 'aliases', 'directives'] as const) {
    if (measured[limit] > limits[limit]) throw tooComplex(limit, limits[limit], measured[limit]);
  }
  if (uncountable) throw tooComplex('cost', limits.cost, limits.cost + 1);
  // Invalid arguments or variables: the gateway's validation reports them with a clearer message.
  if (invalid) return false;
  if (pages.largest > limits.pageSize) throw tooComplex('pageSize', limits.pageSize, pages.largest);
  if (cost > limits.cost) throw tooComplex('cost', limits.cost, cost);
  return true;
}

/** Variables whose value is a page size (`first:`). */
function pageVariablesOf(operation: OperationDefinitionNode): Set<string> {
  const names = new Set<string>();
  visit(operation, {
    Argument: (node) => {
      if (node.name.value === 'first' && node.value.kind === Kind.VARIABLE) names.add(node.value.name.value);
    },
  });
  return names;
}

function usedInDirectives(operation: OperationDefinitionNode): boolean {
  let found = false;
  visit(operation.selectionSet, {
    Directive: (node) => {
      if (node.arguments?.some((a) => a.value.kind === Kind.VARIABLE)) found = true;
    },
  });
  return found;
}

const SCALAR_SAMPLES: unknown[] = ['A', 0, false, '2000-01-01T00:00:00.000Z'];

/** A value of the type, any value. */
function sampleOf(type: GraphQLInputType): unknown {
  if (isNonNullType(type)) return sampleOf(type.ofType);
  if (isListType(type)) return [];
  if (isEnumType(type)) return type.getValues()[0]?.name;
  if (isScalarType(type)) {
    for (const candidate of SCALAR_SAMPLES) {
      try {
        if (type.parseValue(candidate) !== undefined) return candidate;
      } catch {
        // Not this one.
      }
    }
    throw new Error(`no sample value for ${type.name}`);
  }
  if (isInputObjectType(type)) {
    return Object.fromEntries(
      Object.values(type.getFields())
        .filter((f) => isNonNullType(f.type) && f.defaultValue === undefined)
        .map((f) => [f.name, sampleOf(f.type)]),
    );
  }
  throw new Error('not an input type');
}

/** An operation within the limits whatever its variables, as long as each of these page sizes is within the page limit. */
export interface LimitsBound {
  readonly pages: ReadonlySet<string>;
}

/**
 * Whether the limits verdict on an operation holds for every request of it: the page sizes
 * (`first`) are the only variables that change the measured values, and the cost grows with
 * them. So an operation within the limits with its page sizes left out (the operation's or the
 * schema's defaults) and with every page at the limit is within them for any request whose page
 * variables are within the page limit. Throws the refusal when it is not; null when the bound
 * cannot be worked out (variables in directives, a scalar with no sample value, an invalid
 * document): then each request is measured with its own variables.
 */
export function boundLimits(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, limits: OperationLimits): LimitsBound | null {
  if (usedInDirectives(operation)) return null;
  const pages = pageVariablesOf(operation);
  // Every required variable but the page sizes, any value: coercion needs them, the cost does not depend on them.
  const samples: Record<string, unknown> = {};
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    const type = typeFromAST(schema, definition.type) as GraphQLInputType | undefined;
    if (!type || pages.has(name) || !isNonNullType(type) || definition.defaultValue) continue;
    try {
      samples[name] = sampleOf(type);
    } catch {
      return null;
    }
  }
  enforceLimits(schema, document, operation, samples, limits);
  const largest = Object.fromEntries([...pages].map((name) => [name, limits.pageSize]));
  return enforceLimits(schema, document, operation, { ...samples, ...largest }, limits) ? { pages } : null;
}

/** Per request, once the operation is bound: only its page sizes are left to check. */
export function checkPages(bound: LimitsBound, variables: Record<string, unknown> | undefined, limits: OperationLimits): void {
  for (const name of bound.pages) {
    const value = variables?.[name];
    if (typeof value === 'number' && value > limits.pageSize) throw tooComplex('pageSize', limits.pageSize, value);
  }
}
