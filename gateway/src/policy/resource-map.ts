import {
  getNamedType,
  parse,
  isAbstractType,
  isInterfaceType,
  isObjectType,
  Kind,
  type GraphQLCompositeType,
  type GraphQLField,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import { LRUCache } from 'lru-cache';
import type { SupergraphInfo } from './supergraph';

/**
 * Which resource serves each field of the supergraph: from the join directives and the
 * policy's subgraph ↔ resource binding. It is the gateway's own knowledge, so what it
 * decides holds for a subgraph that knows nothing of the hub.
 */
export class ResourceMap {
  /** readFrom's answers per levels map (never changed once made, see HubRequest.levels) and coordinate: a schema's worth at most. */
  private readonly readFromKept = new WeakMap<ReadonlyMap<string, unknown>, Map<string, string | null>>();

  /** Coordinates a subgraph query reads, per query text: the plans' texts repeat, so each is walked once. */
  private readonly servedKept = new LRUCache<string, ReadonlySet<string>>({ max: 1_000 });

  constructor(
    readonly schema: GraphQLSchema,
    private readonly supergraph: Pick<SupergraphInfo, 'owners' | 'entities'>,
    private readonly resourceOfSubgraph: (subgraph: string) => string | null,
  ) {}

  /** The resources serving a field; a subgraph no resource names is refused to everyone. */
  resourcesOf(coordinate: string): string[] {
    return [...(this.supergraph.owners.get(coordinate) ?? [])].map((subgraph) => this.resourceOfSubgraph(subgraph) ?? `unbound subgraph "${subgraph}"`);
  }

  /** The one resource a field is read from at the caller's levels, or null for key fields many share. */
  readFrom(coordinate: string, levels: ReadonlyMap<string, unknown>): string | null {
    let kept = this.readFromKept.get(levels);
    if (!kept) this.readFromKept.set(levels, (kept = new Map()));
    let resource = kept.get(coordinate);
    if (resource === undefined) {
      const allowed = [...new Set(this.resourcesOf(coordinate).filter((r) => levels.has(r)))];
      resource = allowed.length === 1 ? (allowed[0] ?? null) : null;
      kept.set(coordinate, resource);
    }
    return resource;
  }

  /** The schema coordinates a query the plan sends a subgraph asks of it. */
  served(query: string): ReadonlySet<string> {
    let served = this.servedKept.get(query);
    if (!served) this.servedKept.set(query, (served = servedCoordinates(this.schema, query)));
    return served;
  }

  isEntity(typeName: string): boolean {
    return this.supergraph.entities.has(typeName);
  }

  fieldOf(parent: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined {
    return isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
  }

  /** The type a fragment's condition names, if it is one a selection can stand on. */
  conditionOf(typeName: string | undefined, parent: GraphQLCompositeType): GraphQLCompositeType | null {
    if (!typeName) return parent;
    const type = this.schema.getType(typeName);
    return type && (isObjectType(type) || isAbstractType(type)) ? type : null;
  }
}

/** Items of the lists directly inside an object: the records of a page. */
function listItems(object: Record<string, unknown>): number {
  let n = 0;
  for (const value of Object.values(object)) if (Array.isArray(value)) n += value.filter((item) => item !== null).length;
  return n;
}

/**
 * Records per resource in an answer, counted where the answer enters a resource (a root
 * field, Person.borderCrossings, Document.blank …): each non-null item of a list; an entity
 * (a type with a federation key: Person, Document …) as one; any other object — a page, a
 * check — as the items of its lists, at least one. What a resource nests inside its records
 * is part of them. Counted in the data the caller receives, so a null that a failure
 * propagated counts as nothing.
 */
export function countRecords(
  map: ResourceMap,
  levels: ReadonlyMap<string, unknown>,
  selectionSet: SelectionSetNode,
  parent: GraphQLCompositeType,
  value: unknown,
  from: string | null,
  into: Map<string, number>,
  servedBy?: (coordinate: string) => string | null,
): void {
  if (Array.isArray(value)) {
    for (const item of value) countRecords(map, levels, selectionSet, parent, item, from, into, servedBy);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const object = value as Record<string, unknown>;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      const condition = map.conditionOf(selection.typeCondition?.name.value, parent);
      if (condition) countRecords(map, levels, selection.selectionSet, condition, object, from, into, servedBy);
      continue;
    }
    if (selection.kind !== Kind.FIELD) continue;
    const field = map.fieldOf(parent, selection.name.value);
    const child = object[selection.alias?.value ?? selection.name.value];
    if (!field || child === undefined || child === null) continue;
    const coordinate = `${parent.name}.${field.name}`;
    // A field several resources serve (@shareable) and no record encloses: the resource the plan read it from.
    const resource = map.readFrom(coordinate, levels) ?? from ?? servedBy?.(coordinate) ?? null;
    if (resource !== null && resource !== from) {
      const type = getNamedType(field.type);
      const found = Array.isArray(child)
        ? child.filter((item) => item !== null).length
        : map.isEntity(type.name) || !selection.selectionSet
          ? 1
          : Math.max(1, listItems(child as Record<string, unknown>));
      into.set(resource, (into.get(resource) ?? 0) + found);
    }
    if (selection.selectionSet)
      countRecords(map, levels, selection.selectionSet, getNamedType(field.type) as GraphQLCompositeType, child, resource, into, servedBy);
  }
}

/**
 * The schema coordinates a query the plan sends a subgraph asks of it: its root fields, and
 * under `_entities` the fields of each type it resolves. Which subgraph served a shared field
 * is known only from the plan; the supergraph says merely that several can.
 */
function servedCoordinates(schema: GraphQLSchema, query: string): ReadonlySet<string> {
  const found = new Set<string>();
  const document = parse(query);
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const walk = (selectionSet: SelectionSetNode, parent: GraphQLCompositeType | null): void => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value === '_entities' && selection.selectionSet) {
          walk(selection.selectionSet, null);
          continue;
        }
        const field = parent && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields()[selection.name.value] : undefined;
        if (!parent || !field) continue;
        found.add(`${parent.name}.${field.name}`);
        if (selection.selectionSet) walk(selection.selectionSet, getNamedType(field.type) as GraphQLCompositeType);
        continue;
      }
      const fragment = selection.kind === Kind.FRAGMENT_SPREAD ? fragments.get(selection.name.value) : selection;
      if (!fragment) continue;
      const typeName = fragment.typeCondition?.name.value;
      const type = typeName ? schema.getType(typeName) : parent;
      if (type && (isObjectType(type) || isAbstractType(type))) walk(fragment.selectionSet, type);
    }
  };
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    walk(definition.selectionSet, schema.getRootType(definition.operation) ?? null);
  }
  return found;
}

/** Resource → schema coordinates the operation reads from it (for the journal; never values). */
export function requestedCoordinates(
  map: ResourceMap,
  levels: ReadonlyMap<string, unknown>,
  selectionSet: SelectionSetNode,
  parent: GraphQLCompositeType,
  into: Map<string, Set<string>>,
): void {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      const condition = map.conditionOf(selection.typeCondition?.name.value, parent);
      if (condition) requestedCoordinates(map, levels, selection.selectionSet, condition, into);
      continue;
    }
    if (selection.kind !== Kind.FIELD) continue;
    const field = map.fieldOf(parent, selection.name.value);
    if (!field) continue;
    const coordinate = `${parent.name}.${field.name}`;
    const resource = map.readFrom(coordinate, levels);
    if (resource) {
      const set = into.get(resource) ?? new Set<string>();
      set.add(coordinate);
      into.set(resource, set);
    }
    if (selection.selectionSet) requestedCoordinates(map, levels, selection.selectionSet, getNamedType(field.type) as GraphQLCompositeType, into);
  }
}

/**
 * Response paths where the answer enters `resource` and holds null: where a failed call to
 * that resource's subgraph left its mark. Apollo's gateway reports a failed fetch without a
 * path; these give the caller the paths it cost.
 */
export function nullPathsOf(
  map: ResourceMap,
  levels: ReadonlyMap<string, unknown>,
  selectionSet: SelectionSetNode,
  parent: GraphQLCompositeType,
  value: unknown,
  from: string | null,
  resource: string,
  path: Array<string | number> = [],
  into: Array<Array<string | number>> = [],
): Array<Array<string | number>> {
  if (Array.isArray(value)) {
    value.forEach((item, i) => nullPathsOf(map, levels, selectionSet, parent, item, from, resource, [...path, i], into));
    return into;
  }
  if (typeof value !== 'object' || value === null) return into;
  const object = value as Record<string, unknown>;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      const condition = map.conditionOf(selection.typeCondition?.name.value, parent);
      if (condition) nullPathsOf(map, levels, selection.selectionSet, condition, object, from, resource, path, into);
      continue;
    }
    if (selection.kind !== Kind.FIELD) continue;
    const field = map.fieldOf(parent, selection.name.value);
    const key = selection.alias?.value ?? selection.name.value;
    if (!field || !(key in object)) continue;
    const owner = map.readFrom(`${parent.name}.${field.name}`, levels) ?? from;
    const child = object[key];
    if (child === null && owner === resource && owner !== from) into.push([...path, key]);
    else if (selection.selectionSet)
      nullPathsOf(map, levels, selection.selectionSet, getNamedType(field.type) as GraphQLCompositeType, child, owner, resource, [...path, key], into);
  }
  return into;
}
