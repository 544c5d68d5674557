import {
  getNamedType,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  Kind,
  validate,
  type FieldNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import type { HubRequest } from '../pipeline/context';
import type { Policies } from '../policy/policies';
import { Refusal } from '../pipeline/refusal';
import type { Stage } from '../pipeline/stage';
import type { Caches } from '../pipeline/document-cache';
import { subjectHash, subjectHashesOf, type SubjectKeys } from '../subjects/keys';

/** Types whose `fin` names the person the record is about. */
export const SUBJECT_TYPES: ReadonlySet<string> = new Set(['Person', 'Citizen', 'Foreigner', 'ChildProfile']);
/** What the gateway adds to every selection of a subject type, and takes out of the answer again. */
export const SUBJECT_ALIAS = 'hubSubjectFin__';
/** 7 characters, digits and capital Latin letters except I, O and Q. */
const FIN = /^[0-9A-HJ-NPR-Z]{7}$/;

/** Types that name a person without being one: the field that leads to that person. */
export const HOLDER_FIELDS: ReadonlyMap<string, string> = new Map([['Document', 'holder']]);
const HOLDER_ALIAS = 'hubSubjectHolder__';

const name = (value: string) => ({ kind: Kind.NAME, value }) as const;
const FIN_FIELD: FieldNode = { kind: Kind.FIELD, alias: name(SUBJECT_ALIAS), name: name('fin') };
const holderField = (field: string): FieldNode => ({
  kind: Kind.FIELD,
  alias: name(HOLDER_ALIAS),
  name: name(field),
  selectionSet: { kind: Kind.SELECTION_SET, selections: [FIN_FIELD] },
});

export function asFin(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const fin = value.trim().toUpperCase();
  return FIN.test(fin) ? fin : null;
}

function argumentValue(node: ValueNode, variables: Record<string, unknown> | undefined): unknown {
  if (node.kind === Kind.STRING) return node.value;
  if (node.kind === Kind.VARIABLE) return variables?.[node.name.value];
  return undefined;
}

/** The person an object of the answer is about: its own FİN, or its holder's. */
export function subjectFinOf(type: GraphQLCompositeType, object: Record<string, unknown>): string | null {
  if (isSubjectType(type)) return asFin(SUBJECT_ALIAS in object ? object[SUBJECT_ALIAS] : object['fin']);
  const holder = HOLDER_FIELDS.has(type.name) ? object[HOLDER_ALIAS] : undefined;
  return typeof holder === 'object' && holder !== null ? asFin((holder as Record<string, unknown>)[SUBJECT_ALIAS]) : null;
}

/** The FİN a root field was keyed by, if any. */
export function rootFieldFin(field: FieldNode, variables: Record<string, unknown> | undefined): string | null {
  const argument = field.arguments?.find((a) => a.name.value === 'fin');
  return argument ? asFin(argumentValue(argument.value, variables)) : null;
}

/** The `fin` arguments of the root fields: the persons the caller asked about by key. */
function rootFins(operation: OperationDefinitionNode, variables: Record<string, unknown> | undefined, into: Set<string>): void {
  const visit = (set: SelectionSetNode) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) visit(selection.selectionSet);
      if (selection.kind !== Kind.FIELD) continue;
      for (const argument of selection.arguments ?? []) {
        const fin = argument.name.value === 'fin' ? asFin(argumentValue(argument.value, variables)) : null;
        if (fin) into.add(fin);
      }
    }
  };
  visit(operation.selectionSet);
}

export const isSubjectType = (type: GraphQLCompositeType): boolean => isObjectType(type) && SUBJECT_TYPES.has(type.name) && 'fin' in type.getFields();

/**
 * The persons an auditor searches the journal for (AuditFilter.subjectFin, literal or variable).
 * One operation searches for one person at most: the audit subgraph gets their hashes in one claim.
 */
function searchedFin(operation: OperationDefinitionNode, variables: Record<string, unknown> | undefined): string | null {
  const fins = new Set<string>();
  const add = (value: unknown) => {
    if (value === undefined || value === null) return;
    const fin = asFin(value);
    if (!fin)
      throw new Refusal('BAD_USER_INPUT', '"subjectFin" must be a FİN: 7 digits and capital Latin letters except I, O and Q.', 400, { argument: 'subjectFin' });
    fins.add(fin);
  };
  for (const selection of operation.selectionSet.selections) {
    if (selection.kind !== Kind.FIELD) continue;
    const filter = selection.arguments?.find((a) => a.name.value === 'filter')?.value;
    if (filter?.kind === Kind.VARIABLE) add((variables?.[filter.name.value] as Record<string, unknown> | null | undefined)?.['subjectFin']);
    const field = filter?.kind === Kind.OBJECT ? filter.fields.find((f) => f.name.value === 'subjectFin') : undefined;
    if (field) add(argumentValue(field.value, variables));
  }
  if (fins.size > 1)
    throw new Refusal('BAD_USER_INPUT', 'One request searches the journal for one person: send one "subjectFin".', 400, { argument: 'subjectFin' });
  return [...fins][0] ?? null;
}

/**
 * Every selection of a subject type that does not read `fin` reads it under the gateway's alias
 * (a document, its holder's), so a person reached through a document, a name search or an
 * entity key is known even when the caller did not ask for the FİN. Null when nothing was added.
 */
function withSubjectFins(schema: GraphQLSchema, set: SelectionSetNode, parent: GraphQLCompositeType): SelectionSetNode | null {
  let changed = false;
  const selections = set.selections.map((selection) => {
    let inner: SelectionSetNode | null = null;
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      const condition = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
      if (condition && isCompositeType(condition)) inner = withSubjectFins(schema, selection.selectionSet, condition);
    } else if (selection.kind === Kind.FIELD && selection.selectionSet && (isObjectType(parent) || isInterfaceType(parent))) {
      const field = parent.getFields()[selection.name.value];
      const type = field && getNamedType(field.type);
      if (type && isCompositeType(type)) inner = withSubjectFins(schema, selection.selectionSet, type);
    }
    if (!inner) return selection;
    changed = true;
    return { ...selection, selectionSet: inner };
  });
  const readsFin = set.selections.some((s) => s.kind === Kind.FIELD && s.name.value === 'fin' && !s.alias);
  if (isSubjectType(parent) && !readsFin) {
    selections.push(FIN_FIELD);
    changed = true;
  }
  const holder = HOLDER_FIELDS.get(parent.name);
  if (holder && isObjectType(parent) && parent.getFields()[holder]) {
    selections.push(holderField(holder));
    changed = true;
  }
  return changed ? { ...set, selections } : null;
}

/** The FİNs of the subject-type objects in the answer; the gateway's alias is taken out of it. */
function collectFins(schema: GraphQLSchema, set: SelectionSetNode, parent: GraphQLCompositeType, value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) {
    for (const item of value) collectFins(schema, set, parent, item, into);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const object = value as Record<string, unknown>;
  if (isSubjectType(parent)) {
    const fin = asFin(SUBJECT_ALIAS in object ? object[SUBJECT_ALIAS] : object['fin']);
    if (fin) into.add(fin);
  }
  delete object[SUBJECT_ALIAS];
  for (const selection of set.selections) {
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      const condition = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
      // An object answers a fragment on its own type or on an abstract type it belongs to.
      const applies =
        !selection.typeCondition || !isObjectType(condition) || typeof object['__typename'] !== 'string' || object['__typename'] === condition.name;
      if (condition && isCompositeType(condition) && applies)
        collectFins(schema, selection.selectionSet, isObjectType(condition) ? condition : parent, object, into);
      continue;
    }
    if (selection.kind !== Kind.FIELD || !selection.selectionSet || !(isObjectType(parent) || isInterfaceType(parent))) continue;
    const field = parent.getFields()[selection.name.value];
    const type = field && getNamedType(field.type);
    const key = selection.alias?.value ?? selection.name.value;
    const child = object[key];
    if (type && isCompositeType(type) && child !== undefined && child !== null) collectFins(schema, selection.selectionSet, type, child, into);
    if (key === HOLDER_ALIAS) delete object[key];
  }
}

const fins = new WeakMap<HubRequest, Set<string>>();
const searched = new WeakMap<HubRequest, string>();

/**
 * R4: the journal names every person a request concerned — the FİNs it was keyed by and the
 * persons in its answer — as keyed hashes (subjects/keys.ts), so a person can learn who read
 * their data and an auditor who looked at a person, while no FİN is journaled in clear.
 * Innermost stage: it reads the executable as the access cut left it, and takes its alias out
 * of the answer before any other stage sees the answer.
 */
export function useSubjects(schema: GraphQLSchema, keys: SubjectKeys, policies: Policies, caches: Caches): Stage {
  const hiddenPurposes = [...policies.purposes]
    .filter(([, p]) => p.hiddenFromSubject)
    .map(([code]) => code)
    .sort();
  /**
   * The executable with the FİNs added, null when it stays as it is: worked out once per executable
   * (the access decision is kept per document, so the same one comes back), then the same node
   * every time, so it is printed once (document-cache.ts). It depends on the node and the schema only.
   */
  const withFins = caches.create<OperationDefinitionNode, OperationDefinitionNode | null>('subjects');
  return {
    name: 'subjects',
    after: ['journal', 'access', 'records'],
    onOperation(hub, operation) {
      const found = new Set<string>();
      fins.set(hub, found);
      rootFins(operation.executable ?? operation.operation, operation.variables, found);
      const search = searchedFin(operation.executable ?? operation.operation, operation.variables);
      if (search) {
        // The auditor's search concerns that person too; the audit subgraph gets only the hashes.
        found.add(search);
        searched.set(hub, search);
      }
      const root = schema.getRootType(operation.type);
      if (!root || !operation.executable) return;
      let widened = withFins.get(operation.executable);
      if (widened === undefined) {
        const selectionSet = withSubjectFins(schema, operation.executable.selectionSet, root);
        // An invalid document is executed as the caller wrote it, so its errors point into their text.
        widened =
          !selectionSet || validate(schema, { kind: Kind.DOCUMENT, definitions: [operation.executable] }).length > 0
            ? null
            : { ...operation.executable, selectionSet };
        withFins.set(operation.executable, '', widened);
      }
      if (!widened) return;
      operation.executable = widened;
      operation.changed = true;
    },
    onSubgraphFetch(hub, call) {
      // A citizen's own name in the journal (their data's uses, R4), or the person an auditor searches for.
      if (call.subgraph !== 'audit') return;
      if (hub.identity?.fin && hub.identity.roles.includes('citizen')) {
        call.claims.subjectHashes = subjectHashesOf(keys, hub.identity.fin);
        call.claims.hiddenPurposes = hiddenPurposes;
        return;
      }
      const search = searched.get(hub);
      if (search) call.claims.subjectHashes = subjectHashesOf(keys, search);
    },
    onResult(hub, result) {
      const found = fins.get(hub);
      const root = hub.operation && schema.getRootType(hub.operation.type);
      if (!found) return;
      if (root && hub.operation?.executable) collectFins(schema, hub.operation.executable.selectionSet, root, result.body.data, found);
      for (const fin of found) hub.subjects.add(subjectHash(keys.current, fin));
    },
  };
}
