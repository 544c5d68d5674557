import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';

/**
 * A fresh process runs its first thousand requests at about half speed while V8 compiles the
 * planner, the executor and the rules. Before the gateway listens it plans and executes a few
 * operations of its own supergraph, made from the schema (so any supergraph has them): every
 * root field with its leaves and, one level down, the leaves of what other subgraphs add. No
 * subgraph is called: without a caller the transport refuses each fetch before it is sent.
 */
export const WARM_UP_OPERATIONS = 12;
const FIELDS_PER_LEVEL = 12;

/** A literal of the argument's type, or null when the argument cannot be given one simply. */
function literalOf(type: GraphQLInputType): string | null {
  const inner = isNonNullType(type) ? type.ofType : type;
  if (isListType(inner)) return '[]';
  if (isEnumType(inner)) return inner.getValues()[0]?.name ?? null;
  if (isInputObjectType(inner)) return null;
  if (isScalarType(inner)) {
    if (inner.name === 'Int' || inner.name === 'Float') return '1';
    if (inner.name === 'Boolean') return 'false';
    return '"0"';
  }
  return null;
}

/** The required arguments as literals; null when one of them cannot be given. */
function argumentsOf(args: readonly GraphQLArgument[]): string | null {
  const given: string[] = [];
  for (const arg of args) {
    if (!isNonNullType(arg.type) || arg.defaultValue !== undefined) continue;
    const literal = literalOf(arg.type);
    if (literal === null) return null;
    given.push(`${arg.name}: ${literal}`);
  }
  return given.length > 0 ? `(${given.join(', ')})` : '';
}

function selectionOf(type: GraphQLObjectType, depth: number): string {
  const fields: string[] = [];
  for (const field of Object.values(type.getFields())) {
    if (fields.length >= FIELDS_PER_LEVEL) break;
    const args = argumentsOf(field.args);
    if (args === null) continue;
    const named = getNamedType(field.type);
    if (isLeafType(named)) fields.push(`${field.name}${args}`);
    else if (depth > 0 && isObjectType(named)) fields.push(`${field.name}${args} ${selectionOf(named, depth - 1)}`);
  }
  return `{ __typename ${fields.join(' ')} }`;
}

export function warmUpOperations(schema: GraphQLSchema): string[] {
  const query = schema.getQueryType();
  if (!query) return [];
  const operations: string[] = [];
  for (const field of Object.values(query.getFields())) {
    if (operations.length >= WARM_UP_OPERATIONS) break;
    const args = argumentsOf(field.args);
    const named = getNamedType(field.type);
    if (args === null || !isObjectType(named)) continue;
    operations.push(`query WarmUp { ${field.name}${args} ${selectionOf(named, 1)} }`);
  }
  return operations;
}
