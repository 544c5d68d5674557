import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer, HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginUsageReportingDisabled } from '@apollo/server/plugin/disabled';
import type { Logger } from 'pino';
import type { JournalEntry } from '@hub/audit';
import { DEFAULT_SHUTDOWN_GRACE_MS, GracefulServer, listen, sendJson, type SigningKey } from '@hub/kit';
import { AccessPolicy } from './access';
import { journalEntryOf } from './audit';
import type { LimitsPolicy } from './limits';
import type { Quotas } from './quotas';
import { HubRequest, type HubContext } from './context';
import { checkReadiness, READINESS_TIMEOUT_MS } from './health';
import { IdentityVerifier } from './identity';
import type { AuditJournal } from './journal';
import { errorSummary } from './logger';
import { GatewayMetrics } from './metrics';
import { runPipeline, type Executable } from './pipeline';
import type { Policies } from './policies';
import { Refusal } from './refusal';
import type { RegistrationNumbers } from './registration';
import type { SupergraphInfo } from './supergraph';
import { DEFAULT_BREAKER, HubDataSource, SubgraphTransport, type BreakerOptions } from './transport';
import { uiRoutes } from './ui';

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
  quotas: Quotas;
}

export interface RunningGateway {
  server: Server;
  port: number;
  url: string;
  stop(): Promise<void>;
}

interface Reply {
  status: number;
  body: string;
  headers: Record<string, string>;
}

const REGISTRATION_HEADER = 'x-registration-number';
const JSON_TYPE = { 'content-type': 'application/json; charset=utf-8' };

function errorReply(registrationNumber: string, status: number, code: string, message: string, extensions: Record<string, unknown> = {}, headers: Record<string, string> = {}): Reply {
  return {
    status,
    headers: { ...JSON_TYPE, ...headers },
    body: JSON.stringify({ errors: [{ message, extensions: { ...extensions, code } }], extensions: { registrationNumber } }),
  };
}

/** Adds what the pipeline decided to the executed result: FORBIDDEN paths and the registration number. */
const hubResponsePlugin: ApolloServerPlugin<HubContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ response, contextValue }) {
        if (response.body.kind !== 'single') return;
        const result = response.body.singleResult;
        const { hub } = contextValue;
        const forbidden = forbiddenErrors(hub);
        if (forbidden.length > 0) result.errors = [...(result.errors ?? []), ...forbidden];
        result.extensions = { ...result.extensions, registrationNumber: hub.registrationNumber };
        hub.errorCodes = (result.errors ?? []).map((e) => String(e.extensions?.['code'] ?? 'INTERNAL_SERVER_ERROR'));
      },
    };
  },
};

export async function startGateway(options: GatewayOptions, port: number, host = '0.0.0.0'): Promise<RunningGateway> {
  const { policies, supergraph, logger } = options;
  const access = new AccessPolicy(policies, supergraph);
  const identity = new IdentityVerifier(policies);
  const metrics = new GatewayMetrics(options.journal);
  const transport = new SubgraphTransport({
    signingKey: options.signingKey, timeoutMs: options.subgraphTimeoutMs, connectionsPerSubgraph: 64,
    breaker: options.breaker ?? DEFAULT_BREAKER, metrics, logger,
  });
  const urls = new Map(supergraph.subgraphs.map((s) => [s.name, s.url]));

  const apollo = new ApolloServer<HubContext>({
    gateway: new ApolloGateway({
      supergraphSdl: supergraph.sdl,
      buildService: ({ name }) => new HubDataSource({ name, url: urls.get(name) ?? '', resource: access.resourceOf(name) }, options.signingKey, transport.fetcherFor(name)),
    }),
    plugins: [hubResponsePlugin, ApolloServerPluginInlineTraceDisabled(), ApolloServerPluginUsageReportingDisabled()],
    includeStacktraceInErrorResponses: false,
    // The access pipeline decides who may introspect; by here the operation is allowed.
    introspection: true,
    csrfPrevention: false,
    // main.ts stops the gateway on SIGTERM and flushes the journal; Apollo's own handler would re-raise the signal and cut that short.
    stopOnTerminationSignals: false,
  });
  await apollo.start();

  const deps = { policies, identity, access, limits: options.limits, quotas: options.quotas, production: options.production };

  async function execute(hub: HubRequest, executable: Executable): Promise<Reply> {
    const headers = new HeaderMap([['content-type', 'application/json']]);
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: 'POST', headers, search: '', body: executable },
      context: async () => ({ hub }),
    });
    const body = response.body.kind === 'complete' ? response.body.string : '';
    return { status: response.status ?? 200, body, headers: { ...JSON_TYPE } };
  }

  const newHubRequest = (req: IncomingMessage) => new HubRequest(options.registrations.next(), req.socket.remoteAddress ?? null, (s) => access.resourceOf(s));

  function refusalReply(hub: HubRequest, error: unknown, log: Logger): { reply: Reply; refusal: Refusal } {
    if (!(error instanceof Refusal)) log.error({ err: errorSummary(error) }, 'request failed');
    const refusal = error instanceof Refusal ? error : new Refusal('INTERNAL_SERVER_ERROR', 'Internal server error.', 500);
    return { refusal, reply: errorReply(hub.registrationNumber, refusal.httpStatus, refusal.code, refusal.message, refusal.extensions, refusal.headers) };
  }

  /** Journals the request, then answers; when the record is not durable, the answer is AUDIT_UNAVAILABLE and nothing else (6.9). */
  async function journalAndSend(hub: HubRequest, res: ServerResponse, reply: Reply, refusal: Refusal | null, event: JournalEntry['event'], log: Logger): Promise<void> {
    const entry = journalEntryOf(hub, { refusal: refusal?.code ?? null, refusalReason: refusal?.extensions['reason'] as string | undefined, errorCodes: refusal ? [refusal.code] : hub.errorCodes }, event);
    let sent = reply;
    const journalStarted = process.hrtime.bigint();
    const journalSeconds = () => Number(process.hrtime.bigint() - journalStarted) / 1e9;
    try {
      await options.journal.append(entry);
      metrics.journalWrite(journalSeconds(), true);
    } catch (error) {
      metrics.journalWrite(journalSeconds(), false);
      log.error({ err: (error as Error).message }, 'audit journal unavailable');
      sent = errorReply(hub.registrationNumber, 503, 'AUDIT_UNAVAILABLE', 'The audit journal cannot be written, so no data is served. Try again shortly.', {}, { 'retry-after': '5' });
    }
    metrics.countRequest(entry, sent !== reply, hub.elapsedMs() / 1000);
    // The event name only ("request", "sign-in", "sign-out"); what was asked is never logged.
    const message = event === 'sign-in' || event === 'sign-out' ? event : 'request';
    log.info({ event, status: sent.status, agency: entry.agency, decision: entry.decision, reason: entry.reason, records: entry.records, ms: entry.durationMs }, message);
    res.writeHead(sent.status, { ...sent.headers, [REGISTRATION_HEADER]: hub.registrationNumber, 'cache-control': 'no-store' });
    res.end(sent.body);
  }

  async function handleGraphQL(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const hub = newHubRequest(req);
    const log = logger.child({ reg: hub.registrationNumber });
    let reply: Reply;
    let refusal: Refusal | null = null;
    try {
      const executable = await runPipeline(hub, req, deps);
      reply = executable ? await execute(hub, executable) : nothingAllowed(hub);
      await options.quotas.settle(hub.identity!, hub.totalRecords(), hub.requested.size > 0);
    } catch (error) {
      ({ reply, refusal } = refusalReply(hub, error, log));
    }
    await journalAndSend(hub, res, reply, refusal, 'query', log);
  }

  /**
   * Officers' sign-in and sign-out in the playground (6.9.1.4): the same token check as
   * /graphql, and a journal record of its own, fail-closed like every request.
   */
  async function handleSession(event: 'sign-in' | 'sign-out', req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') {
      sendJson(res, 405, { errors: [{ message: 'Use POST.', extensions: { code: 'BAD_REQUEST' } }] }, { allow: 'POST' });
      return;
    }
    // Nothing in the body is needed; it is read and dropped so the connection can be reused.
    req.resume();
    const hub = newHubRequest(req);
    const log = logger.child({ reg: hub.registrationNumber });
    let reply: Reply;
    let refusal: Refusal | null = null;
    try {
      hub.identity = await identity.verify(req.headers.authorization);
      reply = { status: 200, headers: { ...JSON_TYPE }, body: JSON.stringify({ registrationNumber: hub.registrationNumber }) };
    } catch (error) {
      ({ reply, refusal } = refusalReply(hub, error, log));
    }
    await journalAndSend(hub, res, reply, refusal, event, log);
  }

  const ui = uiRoutes(options);
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const route = path === '/graphql' ? handleGraphQL
      : path === '/session/sign-in' ? (q: IncomingMessage, r: ServerResponse) => handleSession('sign-in', q, r)
      : path === '/session/sign-out' ? (q: IncomingMessage, r: ServerResponse) => handleSession('sign-out', q, r)
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

/** Every field asked for was cut out by the access policy: nothing to execute. */
function nothingAllowed(hub: HubRequest): Reply {
  const errors = forbiddenErrors(hub);
  hub.errorCodes = errors.map((e) => e.extensions.code);
  return { status: 200, headers: { ...JSON_TYPE }, body: JSON.stringify({ data: null, errors, extensions: { registrationNumber: hub.registrationNumber } }) };
}

/** One FORBIDDEN error per field the access policy cut out, on the path the caller asked for. */
function forbiddenErrors(hub: HubRequest) {
  return hub.forbidden.map((f) => ({
    message: `No access to the resource "${f.resource}" for ${hub.identity?.agency ?? 'this caller'}; the field was not requested from it.`,
    path: f.path,
    extensions: { code: 'FORBIDDEN', resource: f.resource },
  }));
}
