import { readFileSync } from 'node:fs';
import { Supergraph } from '@apollo/federation-internals';
import { Kind, parse, type ConstDirectiveNode, type GraphQLSchema } from 'graphql';

/**
 * What the gateway needs to know about the composed supergraph beyond planning: the
 * subgraphs and their URLs, and which subgraphs serve each field (from the join__ directives),
 * so that the access policy can remove a resource's fields before the query is planned.
 */
export interface SupergraphInfo {
  sdl: string;
  subgraphs: Array<{ name: string; url: string }>;
  apiSchema: GraphQLSchema;
  /** "Type.field" → names of the subgraphs that resolve it. */
  owners: Map<string, Set<string>>;
  /** Types with a federation key: the records a resource returns one by one. */
  entities: Set<string>;
}

function argument(directive: ConstDirectiveNode, name: string): string | boolean | undefined {
  const value = directive.arguments?.find((a) => a.name.value === name)?.value;
  if (!value) return undefined;
  if (value.kind === Kind.STRING || value.kind === Kind.ENUM) return value.value;
  if (value.kind === Kind.BOOLEAN) return value.value;
  return undefined;
}

export function readSupergraph(sdl: string, urlOverrides: Record<string, string> = {}): SupergraphInfo {
  const supergraph = Supergraph.build(sdl);
  const document = parse(sdl);
  const graphNames = new Map<string, string>();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.ENUM_TYPE_DEFINITION || definition.name.value !== 'join__Graph') continue;
    for (const value of definition.values ?? []) {
      const join = value.directives?.find((d) => d.name.value === 'join__graph');
      const name = join && argument(join, 'name');
      if (typeof name === 'string') graphNames.set(value.name.value, name);
    }
  }
  const owners = new Map<string, Set<string>>();
  const entities = new Set<string>();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.INTERFACE_TYPE_DEFINITION && definition.kind !== Kind.OBJECT_TYPE_EXTENSION)
      continue;
    if ((definition.directives ?? []).some((d) => d.name.value === 'join__type' && argument(d, 'key') !== undefined)) entities.add(definition.name.value);
    const typeGraphs = (definition.directives ?? [])
      .filter((d) => d.name.value === 'join__type')
      .map((d) => graphNames.get(String(argument(d, 'graph'))))
      .filter((g): g is string => g !== undefined);
    for (const field of definition.fields ?? []) {
      const joins = (field.directives ?? []).filter((d) => d.name.value === 'join__field');
      const graphs =
        joins.length === 0
          ? typeGraphs
          : joins
              .filter((d) => argument(d, 'external') !== true)
              .map((d) => graphNames.get(String(argument(d, 'graph'))))
              .filter((g): g is string => g !== undefined);
      owners.set(`${definition.name.value}.${field.name.value}`, new Set(graphs));
    }
  }
  return {
    sdl,
    subgraphs: supergraph.subgraphsMetadata().map(({ name, url }) => ({ name, url: urlOverrides[name] ?? url })),
    apiSchema: supergraph.apiSchema().toGraphQLJSSchema(),
    owners,
    entities,
  };
}

export function loadSupergraph(path: string, urlOverrides: Record<string, string> = {}): SupergraphInfo {
  return readSupergraph(readFileSync(path, 'utf8'), urlOverrides);
}
