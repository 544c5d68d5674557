import {
  getNamedType, isAbstractType, isObjectType, isInterfaceType, Kind, visit,
  type DocumentNode, type FieldNode, type FragmentDefinitionNode, type GraphQLCompositeType, type GraphQLSchema,
  type OperationDefinitionNode, type SelectionNode, type SelectionSetNode,
} from 'graphql';
import type { AccessLevel, Role } from '@hub/kit';
import type { Policies } from './policies';
import { Refusal } from './refusal';
import type { SupergraphInfo } from './supergraph';

/**
 * Per-agency access (R8). Fields of resources the caller may not see are cut out of the
 * operation before the gateway plans it, so their subgraphs are never called; each cut is
 * reported as FORBIDDEN on its path. `restricted` is enforced further by the owning subgraph.
 */
export interface ForbiddenPath {
  /** The response path, in the caller's own aliases: for the error only, never journaled. */
  path: string[];
  resource: string;
  /** The schema coordinate that was refused, e.g. Person.restrictions: what the journal keeps. */
  coordinate: string;
}

export interface AccessDecision {
  /** The operation the gateway will execute, or null when nothing the caller may see is left. */
  document: DocumentNode | null;
  forbidden: ForbiddenPath[];
  /** Resource → schema coordinates requested of it (for the audit journal; never values). */
  requested: Map<string, Set<string>>;
  introspection: boolean;
}

const TYPENAME: FieldNode = { kind: Kind.FIELD, name: { kind: Kind.NAME, value: '__typename' } };

/** Named fragments become inline fragments, so every selection has one path from the root. */
function inlineFragments(selectionSet: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>, seen: readonly string[] = []): SelectionSetNode {
  return {
    ...selectionSet,
    selections: selectionSet.selections.map((selection): SelectionNode => {
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (!fragment) throw new Refusal('GRAPHQL_PARSE_FAILED', `Unknown fragment "${name}".`, 400);
        if (seen.includes(name)) throw new Refusal('GRAPHQL_PARSE_FAILED', `Fragment "${name}" spreads itself.`, 400);
        return {
          kind: Kind.INLINE_FRAGMENT,
          typeCondition: fragment.typeCondition,
          ...(selection.directives ? { directives: selection.directives } : {}),
          selectionSet: inlineFragments(fragment.selectionSet, fragments, [...seen, name]),
        };
      }
      if (selection.selectionSet) return { ...selection, selectionSet: inlineFragments(selection.selectionSet, fragments, seen) };
      return selection;
    }),
  };
}

export class AccessPolicy {
  constructor(private readonly policies: Policies, private readonly supergraph: SupergraphInfo, readonly schema: GraphQLSchema = supergraph.apiSchema) {}

  /** The resource a subgraph serves, or null when no policy binds it (refused to everyone). */
  resourceOf(subgraph: string): string | null {
    return this.policies.resourceOfSubgraph.get(subgraph)?.name ?? null;
  }

  apply(document: DocumentNode, operation: OperationDefinitionNode, levels: ReadonlyMap<string, AccessLevel>): AccessDecision {
    const fragments = new Map(document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]));
    const forbidden: ForbiddenPath[] = [];
    const requested = new Map<string, Set<string>>();
    let introspection = false;

    const filter = (selectionSet: SelectionSetNode, parent: GraphQLCompositeType, path: string[]): SelectionSetNode => {
      const kept: SelectionNode[] = [];
      for (const selection of selectionSet.selections) {
        if (selection.kind === Kind.INLINE_FRAGMENT) {
          const condition = selection.typeCondition ? this.schema.getType(selection.typeCondition.name.value) : parent;
          if (!condition || !(isObjectType(condition) || isAbstractType(condition))) { kept.push(selection); continue; }
          const inner = filter(selection.selectionSet, condition, path);
          if (inner.selections.length > 0) kept.push({ ...selection, selectionSet: inner });
          continue;
        }
        if (selection.kind !== Kind.FIELD) continue;
        const name = selection.name.value;
        if (name === '__typename') { kept.push(selection); continue; }
        if (name === '__schema' || name === '__type') { introspection = true; kept.push(selection); continue; }
        const responsePath = [...path, selection.alias?.value ?? name];
        const fieldDef = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
        // Unknown fields are left for validation to report.
        if (!fieldDef) { kept.push(selection); continue; }
        const coordinate = `${parent.name}.${name}`;
        const resources = [...(this.supergraph.owners.get(coordinate) ?? [])].map((subgraph) => this.resourceOf(subgraph) ?? `unbound subgraph "${subgraph}"`);
        const allowed = resources.filter((r) => levels.has(r));
        if (resources.length > 0 && allowed.length === 0) {
          forbidden.push({ path: responsePath, resource: resources[0] ?? 'unknown', coordinate });
          continue;
        }
        // Key fields served by many subgraphs say nothing about which resource was read.
        if (allowed.length === 1 && allowed[0]) {
          const set = requested.get(allowed[0]) ?? new Set<string>();
          set.add(coordinate);
          requested.set(allowed[0], set);
        }
        if (!selection.selectionSet) { kept.push(selection); continue; }
        const inner = filter(selection.selectionSet, getNamedType(fieldDef.type) as GraphQLCompositeType, responsePath);
        kept.push({ ...selection, selectionSet: inner.selections.length > 0 ? inner : { ...inner, selections: [TYPENAME] } });
      }
      return { ...selectionSet, selections: kept };
    };

    const root = this.schema.getRootType(operation.operation);
    if (!root) return { document, forbidden, requested, introspection };
    const selectionSet = filter(inlineFragments(operation.selectionSet, fragments), root, []);
    if (selectionSet.selections.length === 0) return { document: null, forbidden, requested, introspection };
    const filtered: OperationDefinitionNode = { ...operation, selectionSet };
    return { document: { kind: Kind.DOCUMENT, definitions: [dropUnusedVariables(filtered)] }, forbidden, requested, introspection };
  }
}

/** A variable used only inside a removed field would fail validation; drop its definition. */
function dropUnusedVariables(operation: OperationDefinitionNode): OperationDefinitionNode {
  const used = new Set<string>();
  visit(operation.selectionSet, { Variable: (node) => { used.add(node.name.value); } });
  return { ...operation, variableDefinitions: (operation.variableDefinitions ?? []).filter((v) => used.has(v.variable.name.value)) };
}

/** Introspection in production only for roles the policy lets introspect (roles.json); others read the published schema. */
export function refuseIntrospection(policies: Policies, roles: readonly Role[], introspection: boolean, production: boolean): void {
  if (introspection && production && !roles.some((role) => policies.roles.get(role)?.introspection)) {
    throw new Refusal('FORBIDDEN', 'Introspection is not available to system callers in production; use the published supergraph schema.', 403, { reason: 'INTROSPECTION' });
  }
}
