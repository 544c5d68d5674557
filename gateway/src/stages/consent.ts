import {
  getNamedType,
  isAbstractType,
  isCompositeType,
  isListType,
  isNonNullType,
  isObjectType,
  isInterfaceType,
  Kind,
  type GraphQLCompositeType,
  type GraphQLFormattedError,
  type GraphQLOutputType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import type { ConsentStore } from '../subjects/consents';
import type { HubRequest } from '../pipeline/context';
import type { Policies } from '../policy/policies';
import { Refusal } from '../pipeline/refusal';
import { replaceWithRefusal, type Stage } from '../pipeline/stage';
import { subjectHash, subjectHashesOf, type SubjectKeys } from '../subjects/keys';
import { rootFieldFin, subjectFinOf } from './subjects';

type Path = Array<string | number>;

export const consentUnavailable = () =>
  new Refusal(
    'CONSENT_UNAVAILABLE',
    'The consents cannot be read, so no personal data is served under a consent purpose. Try again shortly.',
    503,
    {},
    { 'retry-after': '5' },
  );

interface Walk {
  schema: GraphQLSchema;
  /** null: the first pass, collecting; a set: the persons who consented, the others are cut. */
  allowed: Set<string> | null;
  found: Set<string>;
  refused: Set<string>;
  errors: GraphQLFormattedError[];
}

const consentRequired = (path: Path): GraphQLFormattedError => ({
  message: 'This person has not consented to this body using their data for this purpose (R5).',
  path,
  extensions: { code: 'CONSENT_REQUIRED' },
});

/** True when the person `fin` must not be served: recorded as refused, with an error on its path. */
function refuse(walk: Walk, fin: string | null, path: Path): boolean {
  if (!fin) return false;
  walk.found.add(fin);
  if (!walk.allowed || walk.allowed.has(fin)) return false;
  walk.refused.add(fin);
  walk.errors.push(consentRequired(path));
  return true;
}

/** Returns true when the object must be null: its person did not consent, or a non-null field of it was cut. */
function visitObject(walk: Walk, set: SelectionSetNode, type: GraphQLCompositeType, object: Record<string, unknown>, path: Path): boolean {
  if (refuse(walk, subjectFinOf(type, object), path)) return true;
  for (const selection of set.selections) {
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      const condition = selection.typeCondition ? walk.schema.getType(selection.typeCondition.name.value) : type;
      const applies = !isObjectType(condition) || typeof object['__typename'] !== 'string' || object['__typename'] === condition.name;
      if (
        condition &&
        isCompositeType(condition) &&
        applies &&
        visitObject(walk, selection.selectionSet, isObjectType(condition) ? condition : type, object, path)
      )
        return true;
      continue;
    }
    if (selection.kind !== Kind.FIELD || !selection.selectionSet || !(isObjectType(type) || isInterfaceType(type))) continue;
    const field = type.getFields()[selection.name.value];
    const key = selection.alias?.value ?? selection.name.value;
    const child = object[key];
    if (!field || child === undefined || child === null) continue;
    if (visitValue(walk, selection.selectionSet, field.type, child, [...path, key])) {
      object[key] = null;
      if (isNonNullType(field.type)) return true;
    }
  }
  return false;
}

/** GraphQL's own rule: a null where the schema says non-null makes the nearest nullable parent null. */
function visitValue(walk: Walk, set: SelectionSetNode, type: GraphQLOutputType, value: unknown, path: Path): boolean {
  const inner = isNonNullType(type) ? type.ofType : type;
  if (isListType(inner)) {
    if (!Array.isArray(value)) return false;
    for (let i = 0; i < value.length; i++) {
      if (value[i] === null || value[i] === undefined) continue;
      if (visitValue(walk, set, inner.ofType as GraphQLOutputType, value[i], [...path, i])) {
        value[i] = null;
        if (isNonNullType(inner.ofType)) return true;
      }
    }
    return false;
  }
  const named = getNamedType(inner);
  if (!isCompositeType(named) || typeof value !== 'object' || value === null) return false;
  const object = value as Record<string, unknown>;
  const runtime = isAbstractType(named) && typeof object['__typename'] === 'string' ? walk.schema.getType(object['__typename']) : named;
  return visitObject(walk, set, runtime && isCompositeType(runtime) ? runtime : named, object, path);
}

/** Root fields keyed by a FİN (restrictionCheck, person, childProfile) are about that person whatever they return. */
function visitRoot(walk: Walk, hub: HubRequest, data: Record<string, unknown>): boolean {
  const operation = hub.operation!;
  const root = walk.schema.getRootType(operation.type)!;
  for (const selection of operation.executable!.selectionSet.selections) {
    if (selection.kind !== Kind.FIELD) continue;
    const key = selection.alias?.value ?? selection.name.value;
    const field = root.getFields()[selection.name.value];
    if (!field || data[key] === undefined) continue;
    const cut =
      refuse(walk, rootFieldFin(selection, operation.variables), [key]) ||
      (data[key] !== null && selection.selectionSet !== undefined && visitValue(walk, selection.selectionSet, field.type, data[key], [key]));
    if (!cut) continue;
    data[key] = null;
    if (isNonNullType(field.type)) return true;
  }
  return false;
}

/**
 * R5: under a purpose whose legal basis is `consent`, the answer keeps a person's data only if
 * the person consented to the requesting body and purpose (consents.ts). Otherwise their part
 * of the answer is null with CONSENT_REQUIRED on its path, before the answer leaves the gateway,
 * and the journal records the refusal and the person (as a keyed hash). Innermost stage: it
 * reads the FİNs the subjects stage had read along with the answer.
 */
export function useConsent(schema: GraphQLSchema, policies: Policies, store: ConsentStore, keys: SubjectKeys, now: () => Date = () => new Date()): Stage {
  return {
    name: 'consent',
    after: ['purpose', 'subjects'],
    async onResult(hub, result) {
      const purpose = hub.purpose?.purpose;
      const agency = hub.identity?.agency;
      const data = result.body.data;
      if (!purpose || !agency || policies.purposes.get(purpose)?.legalBasis !== 'consent' || result.refusal || !data || !hub.operation?.executable) return;
      const walk: Walk = { schema, allowed: null, found: new Set(), refused: new Set(), errors: [] };
      visitRoot(walk, hub, data);
      if (walk.found.size === 0) return;
      try {
        walk.allowed = await store.consenting(new Map([...walk.found].map((fin) => [fin, subjectHashesOf(keys, fin)])), agency, purpose, now());
      } catch {
        // Fail closed: unknown consent is no consent, and the caller is told it is the hub's fault.
        for (const fin of walk.found) hub.subjects.add(subjectHash(keys.current, fin));
        replaceWithRefusal(result, consentUnavailable());
        return;
      }
      if (visitRoot(walk, hub, data)) result.body.data = null;
      if (walk.errors.length === 0) return;
      result.body.errors = [...(result.body.errors ?? []), ...walk.errors];
      for (const fin of walk.refused) hub.subjects.add(subjectHash(keys.current, fin));
    },
  };
}
