import { CriticalityLevel, diff } from '@graphql-inspector/core';
import { isObjectType } from 'graphql';
import { HOLDER_FIELDS, SUBJECT_TYPES } from '../stages/subjects';
import type { LimitsPolicy } from './limits';
import { OperationRegistry, type RegisteredOperation } from './operation-registry';
import type { Policies } from './policies';
import { ResourceMap } from './resource-map';
import { readSupergraph, type SupergraphInfo } from './supergraph';

/**
 * What taking a new supergraph in would break, decided before it is taken: `npm run schema:check`
 * runs it on a candidate subgraph composed with the others, and a reload runs it on the new set's
 * supergraph before taking it in (bootstrap.ts): one check, so what CI passes is what a reload takes. Four parts: the API schema's changes (graphql-inspector's criticality),
 * the registered operations that would no longer be served, the fields the hub's own rules stand
 * on (access per resource, the journal's record count and persons, R4, R6, R8) that would
 * disappear, and the fields that would be served by another resource.
 */
export interface SupergraphCheck {
  /** Each change to the API schema callers see, `path: message`. */
  breaking: string[];
  dangerous: string[];
  safe: string[];
  /** Problems of registered operations (any body's) that the new supergraph causes. */
  operations: string[];
  /** Fields and keys the access policy, the record count or the journal's persons depend on, gone. */
  dependencies: string[];
  /** Fields another resource would serve, and subgraphs no resource names: the policy must follow. */
  policy: string[];
}

export type Verdict = 'breaking' | 'dangerous' | 'safe';

export interface CheckDeps {
  policies: Policies;
  limits: LimitsPolicy;
  operations: readonly RegisteredOperation[];
}

export function verdictOf(check: SupergraphCheck): Verdict {
  if (check.breaking.length + check.operations.length + check.dependencies.length > 0) return 'breaking';
  return check.dangerous.length + check.policy.length > 0 ? 'dangerous' : 'safe';
}

function resourceMapOf(supergraph: SupergraphInfo, policies: Policies): ResourceMap {
  return new ResourceMap(supergraph.apiSchema, supergraph, (subgraph) => policies.resourceOfSubgraph.get(subgraph)?.name ?? null);
}

/** The subgraphs serving any field of each type: a field fewer of them serve is where an answer enters a resource. */
function typeOwners(supergraph: SupergraphInfo): Map<string, Set<string>> {
  const byType = new Map<string, Set<string>>();
  for (const [coordinate, owners] of supergraph.owners) {
    const type = coordinate.slice(0, coordinate.indexOf('.'));
    const all = byType.get(type) ?? new Set<string>();
    for (const owner of owners) all.add(owner);
    byType.set(type, all);
  }
  return byType;
}

/** Coordinate → why the hub depends on it, read from the current supergraph and policy. */
function dependenciesOf(supergraph: SupergraphInfo, map: ResourceMap): Map<string, string> {
  const reasons = new Map<string, string>();
  const root = supergraph.apiSchema.getQueryType()?.name;
  const ofType = typeOwners(supergraph);
  for (const [coordinate, owners] of supergraph.owners) {
    const type = coordinate.slice(0, coordinate.indexOf('.'));
    if (!supergraph.apiSchema.getType(type)) continue;
    const enters = type === root || owners.size < (ofType.get(type)?.size ?? 0);
    if (enters && owners.size > 0)
      reasons.set(coordinate, `the journal counts the records of ${map.resourcesOf(coordinate).join(', ')} where an answer enters it here (R6)`);
  }
  for (const type of SUBJECT_TYPES) {
    if (supergraph.owners.has(`${type}.fin`)) reasons.set(`${type}.fin`, 'the journal names the person a record is about by it (R4)');
  }
  for (const [type, field] of HOLDER_FIELDS) {
    if (supergraph.owners.has(`${type}.${field}`)) reasons.set(`${type}.${field}`, "the journal names a document's holder through it (R4)");
  }
  for (const field of Object.values(supergraph.apiSchema.getQueryType()?.getFields() ?? {})) {
    if (field.args.some((a) => a.name === 'fin')) reasons.set(`Query.${field.name}(fin:)`, 'the journal names the person asked for by key (R4)');
  }
  return reasons;
}

function stillThere(supergraph: SupergraphInfo, coordinate: string): boolean {
  const argument = /^(\w+)\.(\w+)\((\w+):\)$/.exec(coordinate);
  if (!argument) return supergraph.owners.has(coordinate);
  const type = supergraph.apiSchema.getType(argument[1]!);
  return isObjectType(type) && (type.getFields()[argument[2]!]?.args.some((a) => a.name === argument[3]) ?? false);
}

export async function checkSupergraphChange(currentSdl: string, nextSdl: string, deps: CheckDeps): Promise<SupergraphCheck> {
  const current = readSupergraph(currentSdl);
  const next = readSupergraph(nextSdl);
  const check: SupergraphCheck = { breaking: [], dangerous: [], safe: [], operations: [], dependencies: [], policy: [] };

  const level = { [CriticalityLevel.Breaking]: check.breaking, [CriticalityLevel.Dangerous]: check.dangerous, [CriticalityLevel.NonBreaking]: check.safe };
  for (const change of await diff(current.apiSchema, next.apiSchema)) {
    level[change.criticality.level].push(change.path ? `${change.path}: ${change.message}` : change.message);
  }

  // Problems the current supergraph has already are not the candidate's doing.
  const problems = (supergraph: SupergraphInfo) =>
    new OperationRegistry(deps.operations, { policies: deps.policies, supergraph, limits: deps.limits }).problems();
  const existing = new Set(problems(current));
  check.operations = problems(next).filter((p) => !existing.has(p));

  const currentMap = resourceMapOf(current, deps.policies);
  for (const [coordinate, reason] of dependenciesOf(current, currentMap)) {
    if (!stillThere(next, coordinate)) check.dependencies.push(`${coordinate} disappears: ${reason}`);
  }
  for (const entity of current.entities) {
    if (next.apiSchema.getType(entity) && !next.entities.has(entity)) {
      check.dependencies.push(`${entity} loses its key: the journal counts each ${entity} as one record, and the subgraphs join on it`);
    }
  }

  const nextMap = resourceMapOf(next, deps.policies);
  for (const coordinate of current.owners.keys()) {
    if (!next.owners.has(coordinate)) continue;
    const before = currentMap.resourcesOf(coordinate).sort().join(', ');
    const after = nextMap.resourcesOf(coordinate).sort().join(', ');
    if (before !== after)
      check.policy.push(`${coordinate} moves from ${before || 'no resource'} to ${after || 'no resource'}: the levels of ${after} decide who reads it`);
  }
  for (const { name } of next.subgraphs) {
    if (!deps.policies.resourceOfSubgraph.has(name) && !current.subgraphs.some((s) => s.name === name)) {
      check.policy.push(`subgraph "${name}" is bound to no resource in policies/resources.json: its fields are refused to everyone until the policy names it`);
    }
  }
  return check;
}
