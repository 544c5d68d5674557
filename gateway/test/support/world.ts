import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { RelyingParty } from '../../src/sign-in/relying-party';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import pino from 'pino';
import type { JournalEntry } from '@hub/audit';
import { AccessPolicy } from '../../src/policy/access';
import { HubRequest } from '../../src/pipeline/context';
import { IdentityVerifier } from '../../src/identity/verifier';
import type { AuditJournal } from '../../src/journal/writer';
import { importJWK, SignJWT } from 'jose';
import { agencyKeyPaths, ensureDevelopmentKeys, readPrivateJwk, signDevelopmentToken, type DevelopmentTokenRequest } from '../../src/identity/keys';
import { loadLimitsPolicy, type LimitsPolicy } from '../../src/policy/limits';
import { GatewayMetrics } from '../../src/monitoring/metrics';
import type { SelectedOperation } from '../../src/http/graphql-request';
import { Caches } from '../../src/pipeline/document-cache';
import { operationRegistry } from '../../src/policy/operation-registry';
import { hubPipelines, type PipelineDeps } from '../../src/pipeline/request-path';
import { DEFAULT_ADMISSION, type AdmissionLimits } from '../../src/stages/admission';
import { loadPolicies, type Policies } from '../../src/policy/policies';
import { quotasFromEnv } from '../../src/policy/quotas';
import { RegistrationNumbers } from '../../src/journal/registration';
import { ResourceMap } from '../../src/policy/resource-map';
import { loadSubjectKeys } from '../../src/subjects/keys';
import type { ConsentEvent, ConsentStore } from '../../src/subjects/consents';
import type { HubResponseBody, HubResult, Pipeline } from '../../src/pipeline/stage';
import { readSupergraph, type SupergraphInfo } from '../../src/policy/supergraph';

/**
 * A small world for the gateway's unit tests, in memory but for a temporary folder of
 * policies and keys: two resources (people, crossings) served by two subgraphs, plus one
 * subgraph no policy names; two agencies; a journal that keeps records in an array; an
 * executor that answers what the test says. No database, no network, no port.
 */
const SUBGRAPHS = {
  people: `
    type Query { person(fin: ID!): Person  personsByName(name: String!): [Person!]! }
    type Person @key(fields: "fin") { fin: ID! name: String documents: [Doc!]! }
    type Doc { number: String! }`,
  crossings: `
    type Query { crossing(id: ID!): Crossing }
    type Person @key(fields: "fin") { fin: ID! crossings(first: Int = 10): [Crossing!]! }
    type Crossing { at: String! }`,
  foreign: `
    type Query { weather(city: String!): Weather }
    type Weather { temperature: Float }`,
};

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])';

let composed: SupergraphInfo | null = null;

/** Composed once per test process: composition is the slow part of a small world. */
export function smallSupergraph(): SupergraphInfo {
  if (composed) return composed;
  const result = composeServices(
    Object.entries(SUBGRAPHS).map(([name, sdl]) => ({ name, url: `http://${name}.test/graphql`, typeDefs: parse(`${LINK}\n${sdl}`) })),
  );
  if (result.errors || !result.supergraphSdl) throw new Error(`composition failed: ${result.errors?.map((e) => e.message).join('; ')}`);
  composed = readSupergraph(result.supergraphSdl);
  return composed;
}

const REPO_POLICIES = resolve(__dirname, '../../../../policies');

/** The small world's registered operations, by `<AGENCY>/<name>`. */
export const SMALL_OPERATIONS: Record<string, string> = {
  'AAA/personName': '# A comment is not part of the normalised text.\nquery PersonName($fin: ID!) { person(fin: $fin) { name } }',
  'AAA/personCrossings': 'query PersonCrossings($fin: ID!, $first: Int) { person(fin: $fin) { name crossings(first: $first) { at } } }',
  'BBB/personDocuments': 'query PersonDocuments($fin: ID!) { person(fin: $fin) { documents { number } } }',
};

export function writeOperation(policiesDir: string, path: string, text: string): void {
  const [agency, name] = path.split('/');
  mkdirSync(join(policiesDir, 'operations', agency!), { recursive: true });
  writeFileSync(join(policiesDir, 'operations', agency!, `${name!}.graphql`), text);
}

/** Policies of the small world, written where loadPolicies (and its validation) reads them. */
export function smallPolicies(keysDir: string): { dir: string; policies: Policies; limits: LimitsPolicy } {
  const dir = mkdtempSync(join(tmpdir(), 'hub-unit-policies-'));
  const write = (file: string, json: unknown) => writeFileSync(join(dir, file), JSON.stringify(json));
  write('resources.json', {
    resources: {
      people: { subgraph: 'people', title: 'People', titleAz: 'Şəxslər' },
      crossings: { subgraph: 'crossings', title: 'Crossings', titleAz: 'Keçidlər' },
    },
  });
  write('access-matrix.json', {
    agencies: {
      AAA: { name: 'Agency A', nameAz: 'A orqanı', levels: { people: 'unlimited', crossings: 'restricted' } },
      BBB: { name: 'Agency B', nameAz: 'B orqanı', levels: { people: 'unlimited' } },
    },
  });
  write('purposes.json', {
    purposes: {
      check: { description: 'A check', descriptionAz: 'yoxlama', legalBasis: 'law', bodies: ['AAA', 'BBB'], source: 'test' },
      enforce: {
        description: 'Enforcement',
        descriptionAz: 'icra',
        caseNumber: { pattern: '^IC-[0-9]{4}-[0-9]{7}$', format: 'IC-YYYY-NNNNNNN' },
        legalBasis: 'law',
        bodies: ['AAA'],
        source: 'test: only AAA enforces',
      },
      audit: { description: 'Internal investigation', descriptionAz: 'araşdırma', legalBasis: 'law', bodies: ['AAA'], roles: ['auditor'], source: 'test' },
      self: { description: 'Oneself', descriptionAz: 'özü', legalBasis: 'law', bodies: ['AAA', 'BBB'], roles: ['citizen'], source: 'test' },
      serve: { description: 'A service the person asked for', descriptionAz: 'xidmət', legalBasis: 'consent', bodies: ['AAA', 'BBB'], source: 'test' },
    },
  });
  write('roles.json', {
    roles: {
      system: { purposes: ['check', 'enforce', 'serve'], resources: { '*': 'agency' }, introspection: false },
      officer: { purposes: ['check', 'enforce', 'serve'], resources: { '*': 'agency' }, introspection: true },
      auditor: { purposes: ['audit'], resources: { '*': 'none' }, introspection: true },
      citizen: { purposes: ['self'], resources: { '*': 'none', people: 'restricted' }, introspection: false },
    },
  });
  // The repository's providers, less people's sign-in: its bodies are the repository's, not this world's.
  const { signIn: _signIn, ...providers } = JSON.parse(readFileSync(join(REPO_POLICIES, 'identity-providers.json'), 'utf8')) as Record<string, unknown>;
  write('identity-providers.json', providers);
  write('limits.json', JSON.parse(readFileSync(join(REPO_POLICIES, 'limits.json'), 'utf8')));
  for (const [path, text] of Object.entries(SMALL_OPERATIONS)) writeOperation(dir, path, text);
  return { dir, policies: loadPolicies(dir, keysDir), limits: loadLimitsPolicy(dir) };
}

/** Consent events in memory, newest last; the latest per person, body and purpose decides, as in PostgreSQL. `failing` makes reading fail. */
export class MemoryConsentStore implements ConsentStore {
  readonly events: Array<{ subject: string } & ConsentEvent> = [];
  failing = false;
  async consenting(persons: ReadonlyMap<string, readonly string[]>, agency: string, purpose: string, now: Date): Promise<Set<string>> {
    if (this.failing) throw new Error('consents down');
    const found = new Set<string>();
    for (const [person, hashes] of persons) {
      const last = this.events.filter((e) => hashes.includes(e.subject) && e.agency === agency && e.purpose === purpose).at(-1);
      if (last?.action === 'grant' && (last.until === null || last.until > now)) found.add(person);
    }
    return found;
  }
  async append(subject: string, event: ConsentEvent): Promise<void> {
    this.events.push({ subject, ...event });
  }
  async history(subjects: readonly string[]): Promise<ConsentEvent[]> {
    return this.events.filter((e) => subjects.includes(e.subject)).reverse();
  }
  async close(): Promise<void> {}
}

/** A journal that keeps its records in memory; `failing` makes every append fail. */
export class MemoryJournal implements AuditJournal {
  readonly entries: JournalEntry[] = [];
  failing = false;
  async append(entry: JournalEntry): Promise<void> {
    if (this.failing) throw new Error('journal down');
    this.entries.push(entry);
  }
  async drain(): Promise<void> {}
  async ping(): Promise<boolean> {
    return !this.failing;
  }
  queueDepth(): number {
    return 0;
  }
  async close(): Promise<void> {}
}

export interface Call {
  token?: string | null;
  purpose?: string;
  method?: string;
  headers?: Record<string, string>;
  body?: unknown;
}

/** What the fake executor answers for the operation the stages left; the default echoes nothing. */
export type Respond = (operation: SelectedOperation) => HubResponseBody;

interface ExecutorCall {
  respond?: Respond;
  hold?: Promise<void>;
  executed: SelectedOperation | null;
}

export interface World {
  keysDir: string;
  /** A token of agency AAA with exactly these claims (iss, aud, iat, exp filled in), for shapes npm run token would not mint. */
  tokenWithClaims(claims: Record<string, unknown>): Promise<string>;
  policies: Policies;
  supergraph: SupergraphInfo;
  map: ResourceMap;
  journal: MemoryJournal;
  consents: MemoryConsentStore;
  pipeline: Pipeline;
  /** Every pipeline of the request path: graphql, session, operations, consents. */
  pipelines: ReturnType<typeof hubPipelines>;
  deps: PipelineDeps;
  shutdown: { cutInFlight(): number };
  token(request: Omit<DevelopmentTokenRequest, 'roles'> & { roles?: string[] }): Promise<string>;
  /** Runs one request through the pipeline; `executed` is what reached the executor, if anything. */
  run(
    query: string,
    call?: Call & { respond?: Respond; variables?: Record<string, unknown>; hold?: Promise<void>; address?: string },
  ): Promise<{ result: HubResult; hub: HubRequest; executed: SelectedOperation | null; entry: JournalEntry | undefined }>;
}

/** A request as Node gives it: headers, a client address, and the body as a stream of `body`'s JSON (none when absent). */
export function fakeHttp(call: Call = {}, address = '10.1.2.3'): IncomingMessage {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(call.headers ?? {}) };
  const body = call.body === undefined ? [] : [Buffer.from(JSON.stringify(call.body))];
  return Object.assign(Readable.from(body, { objectMode: false }), {
    method: call.method ?? 'POST',
    headers,
    socket: { remoteAddress: address },
  }) as unknown as IncomingMessage;
}

export async function smallWorld(
  options: { production?: boolean; now?: () => number; admission?: AdmissionLimits; subjects?: boolean; signIn?: RelyingParty } = {},
): Promise<World> {
  const keysDir = mkdtempSync(join(tmpdir(), 'hub-unit-keys-'));
  mkdirSync(join(keysDir, 'agencies'), { recursive: true });
  const { dir, policies, limits } = smallPolicies(keysDir);
  await ensureDevelopmentKeys(keysDir, policies.agencies.keys());
  const supergraph = smallSupergraph();
  const map = new ResourceMap(supergraph.apiSchema, supergraph, (s) => policies.resourceOfSubgraph.get(s)?.name ?? null);
  const journal = new MemoryJournal();
  const consents = new MemoryConsentStore();
  const quotas = quotasFromEnv(limits.quotas, undefined);
  const operations = operationRegistry(dir, { policies, supergraph, limits });
  operations.check();
  const deps: PipelineDeps = {
    policies,
    map,
    access: new AccessPolicy(map),
    identity: new IdentityVerifier(policies, options.now),
    limits,
    operations,
    quotas,
    journal,
    metrics: new GatewayMetrics(journal, () => quotas.counting()),
    registrations: new RegistrationNumbers('T01'),
    logger: pino({ level: 'silent' }),
    production: options.production ?? true,
    admission: options.admission ?? DEFAULT_ADMISSION,
    subjectKeys: options.subjects === false ? null : loadSubjectKeys(keysDir),
    consents,
    bodyTimeoutMs: 1_000,
    caches: new Caches(),
    signIn: options.signIn ?? null,
  };
  // The executor answers what each run says; what reached it is kept per request.
  const calls = new WeakMap<HubRequest, ExecutorCall>();
  const pipelines = hubPipelines(
    deps,
    async (hub, operation) => {
      const call = calls.get(hub)!;
      call.executed = operation;
      await call.hold;
      if (!operation?.executable) return { status: 200, headers: {}, body: { data: null }, refusal: null };
      return { status: 200, headers: {}, body: call.respond ? call.respond(operation) : { data: {} }, refusal: null };
    },
    () => undefined,
  );
  const { graphql: pipeline, shutdown } = pipelines;
  const token: World['token'] = (request) => signDevelopmentToken(keysDir, policies.identity, { roles: ['officer'], ...request });
  const defaultToken = await token({ agency: 'AAA' });
  const tokenWithClaims: World['tokenWithClaims'] = async (claims) => {
    const jwk = readPrivateJwk(agencyKeyPaths(keysDir, 'AAA').privateJwk);
    return new SignJWT({ agency: 'AAA', ...claims })
      .setProtectedHeader({ alg: 'EdDSA', kid: jwk.kid ?? '' })
      .setIssuer(policies.identity.issuerOf('AAA'))
      .setAudience(policies.identity.audience)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(await importJWK(jwk, 'EdDSA'));
  };
  return {
    keysDir,
    policies,
    supergraph,
    map,
    journal,
    consents,
    pipeline,
    pipelines,
    deps,
    shutdown,
    token,
    tokenWithClaims,
    async run(query, call = {}) {
      const tokenValue = call.token === undefined ? defaultToken : call.token;
      const http = fakeHttp(
        {
          ...call,
          body: call.body ?? { query, ...(call.variables ? { variables: call.variables } : {}) },
          headers: {
            ...(tokenValue ? { authorization: `Bearer ${tokenValue}` } : {}),
            'x-purpose': call.purpose ?? 'check',
            ...(call.headers ?? {}),
          },
        },
        call.address,
      );
      const hub = new HubRequest(http, 'query', new Date());
      const state: ExecutorCall = { ...(call.respond ? { respond: call.respond } : {}), ...(call.hold ? { hold: call.hold } : {}), executed: null };
      calls.set(hub, state);
      const result = await pipeline.run(hub);
      const executed = state.executed;
      return { result, hub, executed, entry: journal.entries.at(-1) };
    },
  };
}
