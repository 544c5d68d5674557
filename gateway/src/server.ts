import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginUsageReportingDisabled } from '@apollo/server/plugin/disabled';
import { Kind, print } from 'graphql';
import type { Logger } from 'pino';
import { DEFAULT_SHUTDOWN_GRACE_MS, GracefulServer, listen, parseGraphQLBody, sendJson, type SigningKey } from '@hub/kit';
import { AccessPolicy } from './access';
import { HubRequest, type HubContext } from './context';
import { developmentTokenRoute } from './dev-tokens';
import { checkReadiness, READINESS_TIMEOUT_MS } from './health';
import { IdentityVerifier } from './identity';
import type { AuditJournal } from './journal';
import type { LimitsPolicy } from './limits-policy';
import { errorSummary } from './logger';
import { GatewayMetrics } from './metrics';
import { readRequestBody, selectOperation, type SelectedOperation } from './operation';
import type { OperationRegistry } from './operations';
import { hubPipelines } from './pipeline';
import type { Policies } from './policies';
import type { Quotas } from './quotas';
import { Refusal } from './refusal';
import type { RegistrationNumbers } from './registration';
import { ResourceMap } from './resource-map';
import type { HubResult, Pipeline } from './stage';
import type { SupergraphInfo } from './supergraph';
import { DEFAULT_BREAKER, HubDataSource, SubgraphTransport, type BreakerOptions } from './transport';
import { uiRoutes, type DemoPeople } from './ui';

export interface GatewayOptions {
  policies: Policies;
  supergraph: SupergraphInfo;
  signingKey: SigningKey;
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
  /** The registered operations, checked and decided before traffic (operations.ts). */
  operations: OperationRegistry;
  quotas: Quotas;
  /** Development only: where the agencies' development keys are, for the playground's token minting. */
  developmentKeysDir?: string;
  /** Development only: the demo persons the playground offers. */
  demoPeople?: DemoPeople;
}

export interface RunningGateway {
  server: Server;
  port: number;
  url: string;
  stop(): Promise<void>;
}

const JSON_TYPE = 'application/json; charset=utf-8';

/** Sends what the pipeline made of the request; nothing is sent that the journal has not recorded. */
function send(res: ServerResponse, result: HubResult, body: unknown = result.body): void {
  const text = JSON.stringify(body);
  res.writeHead(result.status, { 'content-type': JSON_TYPE, 'cache-control': 'no-store', ...result.headers, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export async function startGateway(options: GatewayOptions, port: number, host = '0.0.0.0'): Promise<RunningGateway> {
  const { policies, supergraph, logger } = options;
  const map = new ResourceMap(supergraph.apiSchema, supergraph, (subgraph) => policies.resourceOfSubgraph.get(subgraph)?.name ?? null);
  const metrics = new GatewayMetrics(options.journal);
  const identity = new IdentityVerifier(policies);
  const pipelines = hubPipelines({
    policies, map, access: new AccessPolicy(map), identity, limits: options.limits, operations: options.operations, quotas: options.quotas,
    journal: options.journal, metrics, registrations: options.registrations, logger, production: options.production,
  }, (stage, error) => logger.error({ stage, err: errorSummary(error) }, 'stage failed'));
  const transport = new SubgraphTransport({
    signingKey: options.signingKey, timeoutMs: options.subgraphTimeoutMs, connectionsPerSubgraph: 64,
    breaker: options.breaker ?? DEFAULT_BREAKER, metrics, logger,
  });

  // The supergraph's URLs with the operator's overrides (SUBGRAPH_URL_<NAME>) applied.
  const urls = new Map(supergraph.subgraphs.map((s) => [s.name, s.url]));
  const apollo = new ApolloServer<HubContext>({
    gateway: new ApolloGateway({
      supergraphSdl: supergraph.sdl,
      buildService: ({ name }) => new HubDataSource(
        { name, url: urls.get(name) ?? '', resource: policies.resourceOfSubgraph.get(name)?.name ?? null },
        options.signingKey, transport.fetcherFor(name), (hub, call) => pipelines.graphql.subgraphFetch(hub, call),
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

  /** The operation as the stages left it, planned and executed by Apollo's gateway. */
  async function execute(hub: HubRequest, operation: SelectedOperation | null): Promise<HubResult> {
    if (!operation?.executable) return { status: 200, headers: {}, body: { data: null }, refusal: null };
    // A registered operation's document was printed once, before traffic.
    const request = operation.prepared?.query && operation.executable === operation.prepared.access.document ? { query: operation.prepared.query }
      : operation.changed
      ? { query: print({ kind: Kind.DOCUMENT, definitions: [operation.executable] }) }
      : { query: operation.source, ...(operation.operationName ? { operationName: operation.operationName } : {}) };
    const response = await apollo.executeOperation({ ...request, ...(operation.variables ? { variables: operation.variables } : {}) }, { contextValue: { hub } });
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
  const graphqlHandler = {
    readBody: async (hub: HubRequest) => readRequestBody(await parseGraphQLBody(hub.http, limits.requestBodyBytes).catch((error: unknown) => asBodyRefusal(error, hub.http, limits.requestBodyBytes))),
    select: (_hub: HubRequest, body: Parameters<typeof selectOperation>[0]) => selectOperation(body),
    execute,
  };

  async function handleGraphQL(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const hub = new HubRequest(req, 'query', new Date());
    send(res, await pipelines.graphql.run(hub, graphqlHandler));
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
    const result = await pipelines.session.run(hub, { execute: async () => ({ status: 200, headers: {}, body: {}, refusal: null }) });
    send(res, result, result.refusal ? result.body : { registrationNumber: hub.registrationNumber });
  }

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
      name: o.name, id: o.id, query: o.source, variables: (o.operation.variableDefinitions ?? []).map((v) => v.variable.name.value),
    }));
    sendJson(res, 200, { operations }, { 'cache-control': 'no-store' });
  }

  const ui = uiRoutes({ policies, production: options.production, demoPeople: options.demoPeople ?? [] });
  if (!options.production && options.developmentKeysDir) ui.set('/dev/token', developmentTokenRoute(policies, options.developmentKeysDir));
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const route = path === '/graphql' ? handleGraphQL
      : path === '/session/sign-in' ? (q: IncomingMessage, r: ServerResponse) => handleSession('sign-in', q, r)
      : path === '/session/sign-out' ? (q: IncomingMessage, r: ServerResponse) => handleSession('sign-out', q, r)
      : path === '/operations' ? handleOperations
      : path === '/health' ? async () => sendJson(res, 200, { status: 'ok' })
      : path === '/ready' ? async () => {
        if (graceful.closing) return sendJson(res, 503, { status: 'stopping' });
        const report = await checkReadiness(supergraph.subgraphs, options.journal, Math.min(READINESS_TIMEOUT_MS, options.subgraphTimeoutMs));
        sendJson(res, report.status === 'ready' ? 200 : 503, report);
      }
      : path === '/metrics' ? async () => {
        const text = await metrics.registry.metrics();
        res.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' });
        res.end(text);
      }
      : ui.get(path) ?? (async () => sendJson(res, 404, { error: 'not found' }));
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
      await graceful.close(options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS);
      await apollo.stop();
      await transport.close();
      await options.journal.close();
      await options.quotas.close();
    },
  };
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
