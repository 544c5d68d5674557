import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  Kind,
  parse,
  print,
  typeFromAST,
  validate,
  visit,
  type DocumentNode,
  type GraphQLError,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import type { Role } from '@hub/kit';
import { AccessPolicy, type AccessDecision } from './access';
import { enforceLimits, enforceTokenLimit, limitsFor, tooComplex, type OperationLimits } from './operation-limits';
import type { LimitsPolicy } from './limits';
import { levelsFor, PolicyError, purposesFor, ROLES, type Policies } from './policies';
import { Refusal } from '../pipeline/refusal';
import { ResourceMap } from './resource-map';
import type { SupergraphInfo } from './supergraph';

/**
 * Trusted (persisted) operations, per agency (R7, R6): `policies/operations/<AGENCY>/<name>.graphql`,
 * one reviewed operation per file. Its id is `sha256:` + the hex SHA-256 of its normalised text,
 * graphql's `print(parse(text))`: comments and layout do not change it. Its reviewed name,
 * `<AGENCY>/<name>`, is what the journal records. Every operation is checked against the
 * supergraph, the body's levels and the limits before the gateway takes traffic, and decided
 * once per (operation, caller's roles): per request only its variables remain to be checked.
 */
export const OPERATIONS_DIR = 'operations';
const FILE = /^([A-Za-z][A-Za-z0-9_-]{0,63})\.graphql$/;
const ID = /^sha256:[0-9a-f]{64}$/;

export interface RegisteredOperation {
  readonly agency: string;
  /** `<AGENCY>/<file name>`: reviewed, never the caller's text. */
  readonly name: string;
  readonly id: string;
  /** The normalised text, which the id hashes. */
  readonly source: string;
  readonly document: DocumentNode;
  readonly operation: OperationDefinitionNode;
  /** Where it is defined, for messages. */
  readonly file: string;
}

/** What the stages would decide for this operation and these roles, decided once. */
export interface PreparedOperation {
  readonly registered: RegisteredOperation;
  /** The limits refusal for these roles, if they may not run it at all. */
  readonly refusal: Refusal | null;
  /** The access decision at the caller's levels: the executable document and the paths cut. */
  readonly access: AccessDecision;
  /** The executable document printed once (Apollo's document cache then knows its text). */
  readonly query: string | null;
  /** Per request: page sizes passed as variables, and the cost when it depends on them. */
  checkVariables(variables: Record<string, unknown> | undefined): void;
}

/** An unknown id and another body's id get the same answer. */
export const persistedQueryNotFound = () => new Refusal('PERSISTED_QUERY_NOT_FOUND', 'No registered operation of your body has this id.', 400);

export function normaliseOperation(text: string): string {
  return print(parse(text));
}

export function operationIdOf(normalised: string): string {
  return `sha256:${createHash('sha256').update(normalised).digest('hex')}`;
}

/** Reads policies/operations; a file that is not one named operation stops the gateway naming it. */
export function loadOperations(policiesDir: string, policies: Policies): RegisteredOperation[] {
  const root = join(policiesDir, OPERATIONS_DIR);
  if (!existsSync(root)) return [];
  const operations: RegisteredOperation[] = [];
  for (const agency of readdirSync(root).sort()) {
    const where = `policies/${OPERATIONS_DIR}/${agency}`;
    if (!statSync(join(root, agency)).isDirectory()) throw new PolicyError(`${where}: expected a folder per agency`);
    if (!policies.agencies.has(agency)) throw new PolicyError(`${where}: unknown agency "${agency}"`);
    const ids = new Map<string, string>();
    for (const file of readdirSync(join(root, agency)).sort()) {
      const match = FILE.exec(file);
      if (!match) throw new PolicyError(`${where}/${file}: expected <name>.graphql, the name a letter then letters, digits, - or _`);
      const name = `${agency}/${match[1]!}`;
      const fail = (reason: string) => new PolicyError(`${where}/${file} (agency ${agency}, operation ${name}): ${reason}`);
      let document: DocumentNode;
      try {
        document = parse(readFileSync(join(root, agency, file), 'utf8'));
      } catch (error) {
        throw fail(`does not parse: ${(error as Error).message}`);
      }
      const defined = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
      const operation = defined[0];
      if (defined.length !== 1 || !operation) throw fail(`holds ${defined.length} operations; register exactly one per file`);
      const source = print(document);
      const id = operationIdOf(source);
      const twin = ids.get(id);
      if (twin) throw fail(`the same text as ${twin}`);
      ids.set(id, name);
      operations.push({ agency, name, id, source, document, operation, file: `${where}/${file}` });
    }
  }
  return operations;
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

interface Shape {
  pages: Set<string>;
  /** Every required variable but the page sizes, any value: the cost depends only on page sizes, but coercion needs the rest. */
  samples: Record<string, unknown>;
  /** False when the cost must be measured per request (variables in directives, a scalar with no sample). */
  measurable: boolean;
}

function shapeOf(schema: GraphQLSchema, operation: OperationDefinitionNode): Shape {
  const pages = pageVariablesOf(operation);
  const samples: Record<string, unknown> = {};
  let measurable = !usedInDirectives(operation);
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    const type = typeFromAST(schema, definition.type) as GraphQLInputType | undefined;
    if (!type || pages.has(name) || !isNonNullType(type) || definition.defaultValue) continue;
    try {
      samples[name] = sampleOf(type);
    } catch {
      measurable = false;
    }
  }
  return { pages, samples, measurable };
}

interface RegistryDeps {
  policies: Policies;
  supergraph: Pick<SupergraphInfo, 'apiSchema' | 'owners' | 'entities'>;
  limits: LimitsPolicy;
}

export class OperationRegistry {
  private readonly byAgency = new Map<string, Map<string, RegisteredOperation>>();
  private readonly shapes = new Map<RegisteredOperation, Shape>();
  /** Per operation, per caller roles: bounded by the roles a token may carry. */
  private readonly prepared = new Map<RegisteredOperation, Map<string, PreparedOperation>>();
  private readonly schema: GraphQLSchema;
  private readonly access: AccessPolicy;

  constructor(
    readonly operations: readonly RegisteredOperation[],
    private readonly deps: RegistryDeps,
  ) {
    this.schema = deps.supergraph.apiSchema;
    const map = new ResourceMap(this.schema, deps.supergraph, (subgraph) => deps.policies.resourceOfSubgraph.get(subgraph)?.name ?? null);
    this.access = new AccessPolicy(map);
    for (const operation of operations) {
      let own = this.byAgency.get(operation.agency);
      if (!own) this.byAgency.set(operation.agency, (own = new Map()));
      own.set(operation.id, operation);
    }
  }

  /** Only the caller's own body's operations: another body's id is as unknown as a made-up one. */
  find(agency: string, id: string): RegisteredOperation | undefined {
    return ID.test(id) ? this.byAgency.get(agency)?.get(id) : undefined;
  }

  ofAgency(agency: string): RegisteredOperation[] {
    return [...(this.byAgency.get(agency)?.values() ?? [])];
  }

  prepare(operation: RegisteredOperation, roles: readonly Role[]): PreparedOperation {
    const key = [...roles].sort().join(',');
    let own = this.prepared.get(operation);
    if (!own) this.prepared.set(operation, (own = new Map()));
    let prepared = own.get(key);
    if (!prepared) own.set(key, (prepared = this.decide(operation, roles)));
    return prepared;
  }

  private decide(registered: RegisteredOperation, roles: readonly Role[]): PreparedOperation {
    const levels = levelsFor(this.deps.policies, registered.agency, roles);
    const limits = limitsFor(this.deps.limits.byRole, roles);
    const shape = this.shapeOf(registered);
    let refusal: Refusal | null = null;
    try {
      enforceTokenLimit(registered.source, limits);
      // Page sizes left out (the operation's or the schema's defaults), then every page at the limit:
      // no request of this operation can cost more, once its page variables are within the limit.
      enforceLimits(this.schema, registered.document, registered.operation, shape.samples, limits);
      const largest = Object.fromEntries([...shape.pages].map((name) => [name, limits.pageSize]));
      if (shape.measurable) enforceLimits(this.schema, registered.document, registered.operation, { ...shape.samples, ...largest }, limits);
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      refusal = error;
    }
    const access = this.access.apply(registered.document, registered.operation, levels);
    const query = access.document ? print({ kind: Kind.DOCUMENT, definitions: [access.document] }) : null;
    return {
      registered,
      refusal,
      access,
      query,
      checkVariables: (variables) => this.checkVariables(registered, shape, limits, variables),
    };
  }

  private checkVariables(registered: RegisteredOperation, shape: Shape, limits: OperationLimits, variables: Record<string, unknown> | undefined): void {
    for (const name of shape.pages) {
      const value = variables?.[name];
      if (typeof value === 'number' && value > limits.pageSize) throw tooComplex('pageSize', limits.pageSize, value);
    }
    // Directives on variables or an unusual scalar: the cost could not be bounded before traffic.
    if (!shape.measurable) enforceLimits(this.schema, registered.document, registered.operation, variables, limits);
  }

  private shapeOf(operation: RegisteredOperation): Shape {
    let shape = this.shapes.get(operation);
    if (!shape) this.shapes.set(operation, (shape = shapeOf(this.schema, operation.operation)));
    return shape;
  }

  /**
   * Every reason an operation cannot be served, one line each: it does not validate against
   * the supergraph, is not a query, or — for ministry systems and every role limited to
   * registered operations — its body may claim no purpose, or it reaches a resource its body
   * cannot read or exceeds a limit.
   */
  problems(): string[] {
    const checked = ROLES.filter((role) => role === 'system' || this.deps.policies.roles.get(role)?.operations === 'registered');
    const problems: string[] = [];
    for (const operation of this.operations) {
      const problem = (reason: string) => problems.push(`${operation.file} (agency ${operation.agency}, operation ${operation.name}): ${reason}`);
      const invalid = validate(this.schema, operation.document);
      if (invalid.length > 0) {
        problem(`does not validate against the supergraph: ${invalid.map((e: GraphQLError) => e.message).join(' ')}`);
        continue;
      }
      if (operation.operation.operation !== 'query') {
        problem(`is a ${operation.operation.operation}: the hub is read-only (İAMAS 5.6.4.1)`);
        continue;
      }
      for (const role of checked) {
        // Every request states a purpose its body may claim: with none, the operation could never run.
        if (purposesFor(this.deps.policies, operation.agency, [role]).length === 0)
          problem(`${operation.agency} may claim no purpose as ${role} (purposes.json), so the operation could never run`);
        const prepared = this.prepare(operation, [role]);
        if (prepared.refusal) problem(`exceeds the ${role} role's limits: ${prepared.refusal.message}`);
        for (const cut of prepared.access.forbidden) {
          problem(`reaches the resource "${cut.resource}" (${cut.coordinate}), which ${operation.agency} cannot read as ${role}`);
        }
      }
    }
    return problems;
  }

  /** Stops the gateway on the first bad operation; then decides every operation for every single role. */
  check(): void {
    const problems = this.problems();
    if (problems.length > 0) throw new PolicyError(`registered operations: ${problems.join('; ')}`);
    for (const operation of this.operations) for (const role of ROLES) this.prepare(operation, [role]);
  }
}

/** Loads and checks the registry: what start-up and `npm run operations:check` both run. */
export function operationRegistry(policiesDir: string, deps: RegistryDeps): OperationRegistry {
  return new OperationRegistry(loadOperations(policiesDir, deps.policies), deps);
}
