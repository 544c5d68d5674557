import {
  getNamedType,
  Kind,
  visit,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';
import type { AccessLevel } from '@hub/kit';
import { Refusal } from '../pipeline/refusal';
import type { ResourceMap } from './resource-map';

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
  /** The operation the gateway will execute (fragments inlined), or null when nothing the caller may see is left. */
  document: OperationDefinitionNode | null;
  forbidden: ForbiddenPath[];
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
  constructor(private readonly map: ResourceMap) {}

  apply(document: DocumentNode, operation: OperationDefinitionNode, levels: ReadonlyMap<string, AccessLevel>): AccessDecision {
    const fragments = new Map(
      document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]),
    );
    const forbidden: ForbiddenPath[] = [];

    const filter = (selectionSet: SelectionSetNode, parent: GraphQLCompositeType, path: string[]): SelectionSetNode => {
      const kept: SelectionNode[] = [];
      for (const selection of selectionSet.selections) {
        if (selection.kind === Kind.INLINE_FRAGMENT) {
          const condition = this.map.conditionOf(selection.typeCondition?.name.value, parent);
          if (!condition) {
            kept.push(selection);
            continue;
          }
          const inner = filter(selection.selectionSet, condition, path);
          if (inner.selections.length > 0) kept.push({ ...selection, selectionSet: inner });
          continue;
        }
        if (selection.kind !== Kind.FIELD) continue;
        const name = selection.name.value;
        const fieldDef = this.map.fieldOf(parent, name);
        // Meta fields and unknown fields (left for validation to report) are kept as they are.
        if (!fieldDef) {
          kept.push(selection);
          continue;
        }
        const responsePath = [...path, selection.alias?.value ?? name];
        const coordinate = `${parent.name}.${name}`;
        const resources = this.map.resourcesOf(coordinate);
        if (resources.length > 0 && !resources.some((r) => levels.has(r))) {
          forbidden.push({ path: responsePath, resource: resources[0] ?? 'unknown', coordinate });
          continue;
        }
        if (!selection.selectionSet) {
          kept.push(selection);
          continue;
        }
        const inner = filter(selection.selectionSet, getNamedType(fieldDef.type) as GraphQLCompositeType, responsePath);
        kept.push({ ...selection, selectionSet: inner.selections.length > 0 ? inner : { ...inner, selections: [TYPENAME] } });
      }
      return { ...selectionSet, selections: kept };
    };

    const root = this.map.schema.getRootType(operation.operation);
    if (!root) return { document: operation, forbidden };
    const selectionSet = filter(inlineFragments(operation.selectionSet, fragments), root, []);
    if (selectionSet.selections.length === 0) return { document: null, forbidden };
    return { document: dropUnusedVariables({ ...operation, selectionSet }), forbidden };
  }
}

/** A variable used only inside a removed field would fail validation; drop its definition. */
function dropUnusedVariables(operation: OperationDefinitionNode): OperationDefinitionNode {
  const used = new Set<string>();
  visit(operation.selectionSet, {
    Variable: (node) => {
      used.add(node.name.value);
    },
  });
  return { ...operation, variableDefinitions: (operation.variableDefinitions ?? []).filter((v) => used.has(v.variable.name.value)) };
}
