import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginUsageReportingDisabled } from '@apollo/server/plugin/disabled';
import { Kind, print, type GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import { DEFAULT_SHUTDOWN_GRACE_MS, GracefulServer, listen, parseGraphQLBody, sendJson, type SigningKey } from '@hub/kit';
import { AccessPolicy } from '../policy/access';
import { HubRequest, type HubContext } from '../pipeline/context';
import { developmentTokenRoute } from './dev-tokens';
import { checkReadiness, READINESS_TIMEOUT_MS } from './health';
import { IdentityVerifier } from '../identity/verifier';
import type { AuditJournal } from '../journal/writer';
import type { LimitsPolicy } from '../policy/limits';
import { errorSummary } from '../monitoring/logger';
import { GatewayMetrics } from '../monitoring/metrics';
import type { PolicySet } from '../policy/policy-set';
import { DocumentCache, printedOnce } from '../pipeline/document-cache';
import { readRequestBody, runsSource, selectOperation, type GraphQLRequestBody, type SelectedOperation } from './graphql-request';
import type { OperationRegistry } from '../policy/operation-registry';
import { hubPipelines } from '../pipeline/request-path';
import { DEFAULT_ADMISSION, type AdmissionLimits } from '../stages/admission';
import type { Policies } from '../policy/policies';
import type { Quotas } from '../policy/quotas';
import { Refusal } from '../pipeline/refusal';
import type { RegistrationNumbers } from '../journal/registration';
import { ResourceMap } from '../policy/resource-map';
import type { HubResult, Pipeline } from '../pipeline/stage';
import type { SupergraphInfo } from '../policy/supergraph';
import { DEFAULT_BREAKER, HubDataSource, SubgraphTransport, type BreakerOptions } from '../upstream/transport';
import { browserToPlayground, uiRoutes, type DemoPeople } from './pages';
import { warmUpOperations } from '../upstream/warm-up';
import type { SubjectKeys } from '../subjects/keys';
import type { ConsentStore } from '../subjects/consents';
import { consentRoute } from './consent-route';

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
}

export interface RunningGateway {
  server: Server;
  port: number;
  url: string;
  stop(): Promise<void>;
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

export async function startGateway(options: GatewayOptions, port: number, host = '0.0.0.0'): Promise<RunningGateway> {
  const { policies, supergraph, logger } = options;
  const map = new ResourceMap(supergraph.apiSchema, supergraph, (subgraph) => policies.resourceOfSubgraph.get(subgraph)?.name ?? null);
  const metrics = new GatewayMetrics(options.journal, () => options.quotas.counting());
  if (options.policySet) metrics.policySetInForce(options.policySet.sha256);
  const identity = new IdentityVerifier(policies);
  const pipelines = hubPipelines(
    {
      policies,
      map,
      access: new AccessPolicy(map),
      identity,
      limits: options.limits,
      operations: options.operations,
      quotas: options.quotas,
      journal: options.journal,
      metrics,
      registrations: options.registrations,
      logger,
      production: options.production,
      admission: options.admission ?? DEFAULT_ADMISSION,
      subjectKeys: options.subjectKeys,
      consents: options.consents,
    },
    (stage, error) => logger.error({ stage, err: errorSummary(error) }, 'stage failed'),
  );
  const transport = new SubgraphTransport({
    timeoutMs: options.subgraphTimeoutMs,
    connectionsPerSubgraph: 64,
    breaker: options.breaker ?? DEFAULT_BREAKER,
    metrics,
    logger,
  });

  // The supergraph's URLs with the operator's overrides (SUBGRAPH_URL_<NAME>) applied.
  const urls = new Map(supergraph.subgraphs.map((s) => [s.name, s.url]));
  const apollo = new ApolloServer<HubContext>({
    gateway: new ApolloGateway({
      supergraphSdl: supergraph.sdl,
      buildService: ({ name }) =>
        new HubDataSource(
          { name, url: urls.get(name) ?? '', resource: policies.resourceOfSubgraph.get(name)?.name ?? null },
          options.signingKey,
          transport.fetcherFor(name),
          (hub, call) => pipelines.graphql.subgraphFetch(hub, call),
        ),
    }),
    plugins: [ApolloServerPluginInlineTraceDisabled(), ApolloServerPluginUsageReportingDisabled()],
    includeStacktraceInErrorResponses: false,
    // The stages decide who may introspect; by here the operation is allowed.
    introspection: true,
    // main.ts stops the gateway on SIGTERM and flushes the journal; Apollo's own handler would re-raise the signal and cut that short.
    stopOnTerminationSignals: false,
  });
  await apollo.start();
  const warmUpStarted = Date.now();
  await warmUp(apollo, supergraph.apiSchema);
  logger.info({ ms: Date.now() - warmUpStarted }, 'warmed up');

  /** The operation as the stages left it, planned and executed by Apollo's gateway. */
  async function execute(hub: HubRequest, operation: SelectedOperation | null): Promise<HubResult> {
    if (!operation?.executable) return { status: 200, headers: {}, body: { data: null }, refusal: null };
    // A registered operation's document was printed once, before traffic.
    // Neither runs under a name the caller chose (http/graphql-request.ts): Apollo would pass it to every subgraph.
    const request =
      operation.prepared?.query && operation.executable === operation.prepared.access.document
        ? { query: operation.prepared.query }
        : runsSource(operation)
          ? { query: operation.source }
          : { query: printedOnce(operation.executable, ({ name: _name, ...executable }) => print({ kind: Kind.DOCUMENT, definitions: [executable] })) };
    const response = await apollo.executeOperation(
      { ...request, ...(operation.variables ? { variables: operation.variables } : {}) },
      { contextValue: { hub } },
    );
    if (response.body.kind !== 'single') throw new Error('incremental delivery is not served');
    const { data, errors, extensions } = response.body.singleResult;
    return {
      status: response.http.status ?? 200,
      headers: {},
      body: { ...(data !== undefined ? { data } : {}), ...(errors ? { errors: [...errors] } : {}), ...(extensions ? { extensions } : {}) },
      refusal: null,
    };
  }

  const limits = options.limits;
  const documents = new DocumentCache();
  const graphqlHandler = {
    readBody: async (hub: HubRequest) =>
      readRequestBody(
        await parseGraphQLBody(hub.http, limits.requestBodyBytes).catch((error: unknown) => asBodyRefusal(error, hub.http, limits.requestBodyBytes)),
      ),
    select: (_hub: HubRequest, body: GraphQLRequestBody) => (body.prepared ? selectOperation(body) : documents.select(body)),
    execute,
  };

  /** Requests between the pipeline's first stage and its journal record; a stop waits for them. */
  const running = new Set<Promise<HubResult>>();
  function tracked(work: Promise<HubResult>): Promise<HubResult> {
    running.add(work);
    const done = () => running.delete(work);
    work.then(done, done);
    return work;
  }

  async function handleGraphQL(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const hub = new HubRequest(req, 'query', new Date());
    send(res, await tracked(pipelines.graphql.run(hub, graphqlHandler)));
  }

  async function handleSession(event: 'sign-in' | 'sign-out', req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') {
      req.resume();
      sendJson(res, 405, { errors: [{ message: 'Use POST.', extensions: { code: 'BAD_REQUEST' } }] }, { allow: 'POST' });
      return;
    }
    // Nothing in the body is needed; it is read and dropped so the connection can be reused.
    req.resume();
    const hub = new HubRequest(req, event, new Date());
    const result = await tracked(pipelines.session.run(hub, { execute: async () => ({ status: 200, headers: {}, body: {}, refusal: null }) }));
    send(res, result, result.refusal ? result.body : { registrationNumber: hub.registrationNumber });
  }

  const consents = options.subjectKeys ? consentRoute(pipelines.session, options.consents, options.subjectKeys, policies) : null;
  /** The registered operations of the caller's own body, for the playground's examples; other bodies' stay unseen. */
  async function handleOperations(req: IncomingMessage, res: ServerResponse): Promise<void> {
    req.resume();
    if (req.method !== 'GET') return sendJson(res, 405, { errors: [{ message: 'Use GET.', extensions: { code: 'BAD_REQUEST' } }] }, { allow: 'GET' });
    let agency: string;
    try {
      agency = (await identity.verify(req.headers.authorization)).agency;
    } catch (error) {
      const refusal = error instanceof Refusal ? error : new Refusal('UNAUTHENTICATED', 'The token does not verify.', 401);
      return sendJson(res, refusal.httpStatus, { errors: [{ message: refusal.message, extensions: { code: refusal.code } }] });
    }
    const operations = options.operations.ofAgency(agency).map((o) => ({
      name: o.name,
      id: o.id,
      query: o.source,
      variables: (o.operation.variableDefinitions ?? []).map((v) => v.variable.name.value),
    }));
    sendJson(res, 200, { operations }, { 'cache-control': 'no-store' });
  }

  const ui = uiRoutes({ policies, production: options.production, demoPeople: options.demoPeople ?? [] });
  if (!options.production && options.developmentKeysDir) ui.set('/dev/token', developmentTokenRoute(policies, options.developmentKeysDir));
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/graphql' && browserToPlayground(req, res)) return;
    const route =
      path === '/graphql'
        ? handleGraphQL
        : path === '/session/sign-in'
          ? (q: IncomingMessage, r: ServerResponse) => handleSession('sign-in', q, r)
          : path === '/session/sign-out'
            ? (q: IncomingMessage, r: ServerResponse) => handleSession('sign-out', q, r)
            : path === '/me/consents' && consents
              ? consents
              : path === '/operations'
                ? handleOperations
                : path === '/health'
                  ? async () => sendJson(res, 200, { status: 'ok' })
                  : path === '/ready'
                    ? async () => {
                        if (graceful.closing) return sendJson(res, 503, { status: 'stopping' });
                        const report = await checkReadiness(supergraph.subgraphs, options.journal, Math.min(READINESS_TIMEOUT_MS, options.subgraphTimeoutMs));
                        // Local quota counting is not "not ready": the hub still serves, each replica counting alone.
                        sendJson(res, report.status === 'ready' ? 200 : 503, {
                          ...report,
                          quotas: options.quotas.counting(),
                          policySet: options.policySet?.sha256 ?? null,
                        });
                      }
                    : path === '/metrics'
                      ? async () => {
                          const text = await metrics.registry.metrics();
                          res.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' });
                          res.end(text);
                        }
                      : (ui.get(path) ?? (async () => sendJson(res, 404, { error: 'not found' })));
    route(req, res).catch((error: unknown) => {
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
    /** Stops taking connections, finishes the requests in flight (each journaled before it is answered), then flushes the journal. */
    async stop() {
      const graceMs = options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
      const deadline = Date.now() + graceMs;
      // Shortly before the grace ends, what is still running is answered SHUTTING_DOWN and
      // journaled, so it leaves on its own connection before the connections are cut.
      const cut = setTimeout(() => pipelines.shutdown.cutInFlight(), Math.max(0, graceMs - Math.min(SHUTDOWN_ANSWER_MS, graceMs / 4)));
      await graceful.close(graceMs);
      clearTimeout(cut);
      // A request whose caller hung up may still run; it gets what is left of the grace, like the others.
      await settledWithin([...running], deadline - Date.now());
      // Past the grace no subgraph call is waited for: each fails at once, so its request is journaled and the process exits in time.
      transport.abortAll();
      await Promise.allSettled([...running]);
      await apollo.stop();
      await transport.close();
      await options.journal.close();
      await options.quotas.close();
      await options.consents.close();
    },
  };
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

/** Rounds over the warm-up operations (upstream/warm-up.ts): enough for V8 to compile the hot paths, well under a second. */
export const WARM_UP_ROUNDS = 20;

async function warmUp(apollo: ApolloServer<HubContext>, schema: GraphQLSchema): Promise<void> {
  const operations = warmUpOperations(schema);
  // No caller: the data source refuses every fetch before it is sent, so nothing reaches a subgraph, the journal or the metrics.
  const nobody = {} as HubContext;
  for (let round = 0; round < WARM_UP_ROUNDS; round += 1) {
    for (const query of operations) await apollo.executeOperation({ query }, { contextValue: nobody });
  }
}

function asBodyRefusal(error: unknown, req: IncomingMessage, max: number): never {
  const e = error as { status?: number; code?: string; message?: string };
  if (e.code === 'QUERY_TOO_COMPLEX') {
    // The declared length when there is one; a streamed body is only known to be over the limit.
    const declared = Number(req.headers['content-length']);
    const found = Number.isInteger(declared) && declared > max ? declared : max + 1;
    throw new Refusal('QUERY_TOO_COMPLEX', e.message ?? 'Request body too large.', 413, { limit: 'requestBodyBytes', max, found });
  }
  throw new Refusal('BAD_REQUEST', e.message ?? 'Unreadable request body.', e.status ?? 400);
}

export type { Pipeline };
