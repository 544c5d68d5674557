import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Kind, parse, print, validate, type DocumentNode, type GraphQLError, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { AccessPolicy } from './access';
import { boundLimits, enforceTokenLimit, limitsFor } from './operation-limits';
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
 * supergraph, the body's levels and the limits before the gateway takes traffic; then it warms
 * the stages' own caches (Stage.warm), and each request of it passes the same stages as any other.
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

interface RegistryDeps {
  policies: Policies;
  supergraph: Pick<SupergraphInfo, 'apiSchema' | 'owners' | 'entities'>;
  limits: LimitsPolicy;
}

export class OperationRegistry {
  private readonly byAgency = new Map<string, Map<string, RegisteredOperation>>();
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

  /**
   * Every reason an operation cannot be served, one line each: it does not validate against
   * the supergraph, is not a query, or — for ministry systems and every role limited to
   * registered operations — its body may claim no purpose, or it reaches a resource its body
   * cannot read or exceeds a limit for some value of its variables. Decided by the functions the
   * limits and access stages decide with.
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
        const limits = limitsFor(this.deps.limits.byRole, [role]);
        try {
          enforceTokenLimit(operation.source, limits);
          boundLimits(this.schema, operation.document, operation.operation, limits);
        } catch (error) {
          if (!(error instanceof Refusal)) throw error;
          problem(`exceeds the ${role} role's limits: ${error.message}`);
        }
        const levels = levelsFor(this.deps.policies, operation.agency, [role]);
        for (const cut of this.access.apply(operation.document, operation.operation, levels).forbidden) {
          problem(`reaches the resource "${cut.resource}" (${cut.coordinate}), which ${operation.agency} cannot read as ${role}`);
        }
      }
    }
    return problems;
  }

  /** Stops the gateway on the first bad operation. */
  check(): void {
    const problems = this.problems();
    if (problems.length > 0) throw new PolicyError(`registered operations: ${problems.join('; ')}`);
  }
}

/** Loads and checks the registry: what start-up and `npm run operations:check` both run. */
export function operationRegistry(policiesDir: string, deps: RegistryDeps): OperationRegistry {
  return new OperationRegistry(loadOperations(policiesDir, deps.policies), deps);
}
