import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { ProofReplayCache } from '../identity/dpop';
import { createServer } from 'node:http';
import type { Logger } from 'pino';
import { DEFAULT_SHUTDOWN_GRACE_MS, GracefulServer, listen, sendJson, type SigningKey } from '@hub/kit';
import { AccessPolicy } from '../policy/access';
import { HubRequest } from '../pipeline/context';
import { developmentTokenRoute } from './dev-tokens';
import { probeRoutes } from './health';
import { IdentityVerifier } from '../identity/verifier';
import type { AuditJournal } from '../journal/writer';
import type { LimitsPolicy } from '../policy/limits';
import { errorSummary } from '../monitoring/logger';
import { GatewayMetrics } from '../monitoring/metrics';
import type { PolicySet } from '../policy/policy-set';
import type { OperationRegistry } from '../policy/operation-registry';
import { hubPipelines } from '../pipeline/request-path';
import { Caches } from '../pipeline/document-cache';
import { DEFAULT_ADMISSION, type AdmissionLimits } from '../stages/admission';
import type { Policies } from '../policy/policies';
import type { Quotas } from '../policy/quotas';
import type { RegistrationNumbers } from '../journal/registration';
import { ResourceMap } from '../policy/resource-map';
import type { HubResult, Pipeline } from '../pipeline/stage';
import type { SupergraphInfo } from '../policy/supergraph';
import { DEFAULT_BREAKER, SubgraphTransport, type BreakerOptions } from '../upstream/transport';
import { startApollo } from '../upstream/apollo';
import { browserToPlayground, uiRoutes, type DemoPeople } from './pages';
import type { SubjectKeys } from '../subjects/keys';
import type { ConsentStore } from '../subjects/consents';
import { consentEvent } from './consent-route';
import { EngineSwitch } from './engine-switch';
import { DEFAULT_BODY_TIMEOUT_MS } from './body';
import type { RelyingParty } from '../sign-in/relying-party';

export interface GatewayOptions {
  /** The policy set in force, by its hash (policy/policy-set.ts); absent for a gateway assembled from parts in tests. */
  policySet?: Pick<PolicySet, 'sha256'>;
  policies: Policies;
  supergraph: SupergraphInfo;
  signingKey: SigningKey;
  /** Names the persons each request concerned in the journal (R4); null only to measure its cost (bench). */
  subjectKeys: SubjectKeys | null;
  /** The consents citizens give (R5), in the hub's own schema. */
  consents: ConsentStore;
  journal: AuditJournal;
  registrations: RegistrationNumbers;
  logger: Logger;
  production: boolean;
  subgraphTimeoutMs: number;
  /** Circuit breaker per subgraph; DEFAULT_BREAKER when not given. */
  breaker?: BreakerOptions;
  /** On stop, how long requests in flight may take before their connections are cut. */
  shutdownGraceMs?: number;
  limits: LimitsPolicy;
  /** The registered operations, checked and decided before traffic (policy/operation-registry.ts). */
  operations: OperationRegistry;
  quotas: Quotas;
  /** Development only: where the agencies' development keys are, for the playground's token minting. */
  developmentKeysDir?: string;
  /** Development only: the demo persons the playground offers. */
  demoPeople?: DemoPeople;
  /** Work in flight per replica; DEFAULT_ADMISSION when not given. */
  admission?: AdmissionLimits;
  /** How long a request body may take to arrive; DEFAULT_BODY_TIMEOUT_MS when not given. */
  bodyTimeoutMs?: number;
  /** People's sign-in through the providers discovered at start (a reload keeps them); absent when none is. */
  signIn?: RelyingParty | null;
  /** HUB_PUBLIC_URL: what DPoP proofs name (htu); required when a body's tokens are DPoP-bound. */
  publicUrl?: string;
  /** DPoP proofs seen, shared by the replicas (Redis); this replica's memory when not given. */
  proofReplays?: ProofReplayCache;
}

export interface RunningGateway {
  server: Server;
  port: number;
  url: string;
  stop(): Promise<void>;
  /** Builds the engine of a set already loaded and checked, and puts it in force for the next request. */
  reload(set: PolicySetParts): Promise<void>;
  /** A set refused: the one in force keeps serving; /ready and the metrics say when. */
  refused(at: Date): void;
}

const JSON_TYPE = 'application/json; charset=utf-8';
/** Time kept at the end of a stop's grace to answer and journal the requests it cuts. */
const SHUTDOWN_ANSWER_MS = 1_000;

/** Sends what the pipeline made of the request; nothing is sent that the journal has not recorded. */
function send(res: ServerResponse, result: HubResult, body: unknown = result.body): void {
  const text = JSON.stringify(body);
  res.writeHead(result.status, { 'content-type': JSON_TYPE, 'cache-control': 'no-store', ...result.headers, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** A route that reads anything: its pipeline, the journal's event, and what of the result goes on the wire. */
interface PipelineRoute {
  pipeline: Pipeline;
  event: (req: IncomingMessage) => HubRequest['event'];
  /** The body sent when nothing was refused; the GraphQL answer itself when absent. */
  answer?: (hub: HubRequest, result: HubResult) => unknown;
}

/** What a policy set decides: a reload builds a new engine from the new set and swaps it in whole (engine-switch.ts). */
export type PolicySetParts = Pick<GatewayOptions, 'policySet' | 'policies' | 'supergraph' | 'limits' | 'operations'>;

interface GatewayEngine {
  /** The set it was built from: what the pages, /ready and the development tokens show while it is in force. */
  set: PolicySetParts;
  routes: Map<string, PipelineRoute>;
  caches: Caches;
  cutInFlight(): void;
  stop(): Promise<void>;
}

/** The parts shared by every engine: they outlive a reload (journal, quotas, transport, metrics, ...). */
interface SharedParts {
  metrics: GatewayMetrics;
  transport: SubgraphTransport;
}

async function buildEngine(options: GatewayOptions, set: PolicySetParts, shared: SharedParts): Promise<GatewayEngine> {
  const { policies, supergraph } = set;
  const { logger } = options;
  const map = new ResourceMap(supergraph.apiSchema, supergraph, (subgraph) => policies.resourceOfSubgraph.get(subgraph)?.name ?? null);
  // Parsed documents, limits verdicts and access decisions hold for one set only.
  const caches = new Caches();
  // Each subgraph call passes the stages (onSubgraphFetch); the pipelines are built once Apollo runs.
  const apollo = await startApollo(
    supergraph,
    policies,
    options.signingKey,
    shared.transport,
    (hub, call) => pipelines.graphql.subgraphFetch(hub, call),
    caches,
  );
  logger.info({ ms: apollo.warmUpMs }, 'warmed up');
  const pipelines = hubPipelines(
    {
      policies,
      map,
      access: new AccessPolicy(map),
      identity: new IdentityVerifier(policies, Date.now, {
        ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
        ...(options.proofReplays ? { replays: options.proofReplays } : {}),
      }),
      limits: set.limits,
      operations: set.operations,
      quotas: options.quotas,
      journal: options.journal,
      metrics: shared.metrics,
      registrations: options.registrations,
      logger,
      production: options.production,
      admission: options.admission ?? DEFAULT_ADMISSION,
      subjectKeys: options.subjectKeys,
      consents: options.consents,
      bodyTimeoutMs: options.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS,
      caches,
      policySet: set.policySet?.sha256 ?? null,
      signIn: options.signIn ?? null,
    },
    apollo.execute,
    (stage, error) => logger.error({ stage, err: errorSummary(error) }, 'stage failed'),
  );
  const withNumber = (hub: HubRequest, result: HubResult, rest: Record<string, unknown>) =>
    result.refusal ? result.body : { registrationNumber: hub.registrationNumber, ...rest };
  const routes = new Map<string, PipelineRoute>([
    ['/graphql', { pipeline: pipelines.graphql, event: () => 'query' }],
    ['/operations', { pipeline: pipelines.operations, event: () => 'query', answer: (hub, result) => withNumber(hub, result, result.body.data ?? {}) }],
  ]);
  // A pasted token's use, journaled as a sign-in and sign-out: development's token form only; people in production sign in at /auth (decision 0020).
  if (!options.production) {
    routes.set('/session/sign-in', { pipeline: pipelines.session, event: () => 'sign-in', answer: (hub, result) => withNumber(hub, result, {}) });
    routes.set('/session/sign-out', { pipeline: pipelines.session, event: () => 'sign-out', answer: (hub, result) => withNumber(hub, result, {}) });
  }
  if (pipelines.auth) {
    routes.set('/auth/callback', { pipeline: pipelines.auth.callback, event: () => 'sign-in' });
    routes.set('/auth/sign-out', {
      pipeline: pipelines.auth.signOut,
      event: () => 'sign-out',
      answer: (hub, result) => withNumber(hub, result, result.body.data ?? {}),
    });
    routes.set('/auth/backchannel-logout', {
      pipeline: pipelines.auth.backchannelLogout,
      event: () => 'backchannel-logout',
      answer: (hub, result) => withNumber(hub, result, result.body.data ?? {}),
    });
  }
  if (pipelines.consents) {
    routes.set('/me/consents', {
      pipeline: pipelines.consents,
      event: (req) => consentEvent(req.method),
      answer: (hub, result) => withNumber(hub, result, result.body.data ?? {}),
    });
  }
  return { set, routes, caches, cutInFlight: () => pipelines.shutdown.cutInFlight(), stop: () => apollo.stop() };
}

export async function startGateway(options: GatewayOptions, port: number, host = '0.0.0.0'): Promise<RunningGateway> {
  const { logger } = options;
  const metrics = new GatewayMetrics(options.journal, () => options.quotas.counting());
  let lastRefusal: Date | null = null;
  if (options.policySet) metrics.policySetInForce(options.policySet.sha256);
  const transport = new SubgraphTransport({
    timeoutMs: options.subgraphTimeoutMs,
    connectionsPerSubgraph: 64,
    breaker: options.breaker ?? DEFAULT_BREAKER,
    metrics,
    logger,
  });
  const engines = new EngineSwitch(await buildEngine(options, options, { metrics, transport }));
  // Nothing outside an engine keeps the start's set: what is not a pipeline reads the set in force.
  const inForce = () => engines.current.set;
  metrics.watchCaches({ stats: () => engines.current.caches.stats() });

  /** Requests between the pipeline's first stage and its journal record; a stop waits for them. */
  const running = new Set<Promise<HubResult>>();

  async function runPipeline(route: PipelineRoute, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const hub = new HubRequest(req, route.event(req), new Date());
    const work = route.pipeline.run(hub);
    running.add(work);
    try {
      const result = await work;
      send(res, result, route.answer && !result.refusal ? route.answer(hub, result) : result.body);
    } finally {
      running.delete(work);
    }
  }

  const { signIn } = options;
  // The pages offer the providers discovered at start, the national one named.
  const pagesSignIn =
    signIn && options.policies.signIn
      ? {
          national: options.policies.signIn.national,
          providers: [...signIn.providers.values()].map(({ policy: p }) => ({ name: p.name, title: p.title, titleAz: p.titleAz })),
        }
      : null;
  const ui = uiRoutes({ policies: () => inForce().policies, production: options.production, demoPeople: options.demoPeople ?? [], signIn: pagesSignIn });
  if (!options.production && options.developmentKeysDir)
    ui.set(
      '/dev/token',
      developmentTokenRoute(() => inForce().policies, options.developmentKeysDir),
    );
  if (signIn) {
    ui.set('/auth/sign-in', (req, res) => signIn.signIn(req, res));
    ui.set('/auth/session', (req, res) => signIn.session(req, res));
  }
  const probes = probeRoutes({
    subgraphs: () => inForce().supergraph.subgraphs,
    journal: options.journal,
    subgraphTimeoutMs: options.subgraphTimeoutMs,
    quotaCounting: () => options.quotas.counting(),
    policySet: () => ({ sha256: inForce().policySet?.sha256 ?? null, lastRefusal }),
    metrics,
    stopping: () => graceful.closing,
  });
  for (const [path, route] of probes) ui.set(path, route);
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/graphql' && browserToPlayground(req, res)) return;
    // A pipeline route runs under the engine in force at the request's arrival, to its end.
    const work = engines.current.routes.has(path)
      ? engines.run((engine) => runPipeline(engine.routes.get(path)!, req, res))
      : (ui.get(path) ?? notFound)(req, res);
    work.catch((error: unknown) => {
      logger.error({ err: errorSummary(error) }, 'unhandled');
      if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'Internal server error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
    });
  });
  const graceful = new GracefulServer(server);
  const boundPort = await listen(server, port, host);
  return {
    server,
    port: boundPort,
    url: `http://127.0.0.1:${boundPort}/graphql`,
    async reload(set) {
      const next = await buildEngine(options, set, { metrics, transport });
      engines.swap(next);
      if (set.policySet) metrics.policySetInForce(set.policySet.sha256);
    },
    refused(at) {
      lastRefusal = at;
      metrics.policySetRefused(at);
    },
    /** Stops taking connections, finishes the requests in flight (each journaled before it is answered), then flushes the journal. */
    async stop() {
      const graceMs = options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
      const deadline = Date.now() + graceMs;
      // Shortly before the grace ends, what is still running is answered SHUTTING_DOWN and
      // journaled, so it leaves on its own connection before the connections are cut.
      const cut = setTimeout(() => engines.live().forEach((engine) => engine.cutInFlight()), Math.max(0, graceMs - Math.min(SHUTDOWN_ANSWER_MS, graceMs / 4)));
      await graceful.close(graceMs);
      clearTimeout(cut);
      // A request whose caller hung up may still run; it gets what is left of the grace, like the others.
      await settledWithin([...running], deadline - Date.now());
      // Past the grace no subgraph call is waited for: each fails at once, so its request is journaled and the process exits in time.
      transport.abortAll();
      await Promise.allSettled([...running]);
      await engines.stopAll();
      await transport.close();
      await options.journal.close();
      await options.quotas.close();
      await options.proofReplays?.close();
      await options.consents.close();
      await options.signIn?.close();
    },
  };
}

/** Not an endpoint: no pipeline ran, so the answer carries no registration number and has no journal row. */
async function notFound(req: IncomingMessage, res: ServerResponse): Promise<void> {
  req.resume();
  sendJson(res, 404, { errors: [{ message: 'Not found.', extensions: { code: 'NOT_FOUND' } }] });
}

async function settledWithin(work: Array<Promise<unknown>>, ms: number): Promise<void> {
  if (work.length === 0 || ms <= 0) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.allSettled(work),
    new Promise((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}

export type { Pipeline };
