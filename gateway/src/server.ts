import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer, HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginUsageReportingDisabled } from '@apollo/server/plugin/disabled';
import type { Logger } from 'pino';
import { listen, sendJson, type SigningKey } from '@hub/kit';
import { AccessPolicy } from './access';
import { journalEntryOf } from './audit';
import { HubRequest, type HubContext } from './context';
import { IdentityVerifier } from './identity';
import type { AuditJournal } from './journal';
import { runPipeline, type Executable } from './pipeline';
import type { Policies } from './policies';
import { Refusal } from './refusal';
import type { RegistrationNumbers } from './registration';
import type { SupergraphInfo } from './supergraph';
import { createFetcher, HubDataSource } from './transport';

export interface GatewayOptions {
  policies: Policies;
  supergraph: SupergraphInfo;
  signingKey: SigningKey;
  journal: AuditJournal;
  registrations: RegistrationNumbers;
  logger: Logger;
  production: boolean;
  subgraphTimeoutMs: number;
  maxBodyBytes: number;
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

function errorReply(registrationNumber: string, status: number, code: string, message: string, extensions: Record<string, unknown> = {}, headers: Record<string, string> = {}): Reply {
  return {
    status,
    headers,
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
  const transport = { signingKey: options.signingKey, timeoutMs: options.subgraphTimeoutMs, connectionsPerSubgraph: 64 };
  const fetcher = createFetcher(transport);
  const urls = new Map(supergraph.subgraphs.map((s) => [s.name, s.url]));

  const apollo = new ApolloServer<HubContext>({
    gateway: new ApolloGateway({
      supergraphSdl: supergraph.sdl,
      buildService: ({ name }) => new HubDataSource({ name, url: urls.get(name) ?? '' }, transport, fetcher),
    }),
    plugins: [hubResponsePlugin, ApolloServerPluginInlineTraceDisabled(), ApolloServerPluginUsageReportingDisabled()],
    includeStacktraceInErrorResponses: false,
    // The access pipeline decides who may introspect; by here the operation is allowed.
    introspection: true,
    csrfPrevention: false,
  });
  await apollo.start();

  const deps = { policies, identity, access, production: options.production, maxBodyBytes: options.maxBodyBytes };

  async function execute(hub: HubRequest, executable: Executable): Promise<Reply> {
    const headers = new HeaderMap([['content-type', 'application/json']]);
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: 'POST', headers, search: '', body: executable },
      context: async () => ({ hub }),
    });
    const body = response.body.kind === 'complete' ? response.body.string : '';
    return { status: response.status ?? 200, body, headers: { 'content-type': 'application/json; charset=utf-8' } };
  }

  async function handleGraphQL(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const hub = new HubRequest(options.registrations.next(), req.socket.remoteAddress ?? null, (s) => access.resourceOf(s));
    let reply: Reply;
    let refusal: Refusal | null = null;
    try {
      const executable = await runPipeline(hub, req, deps);
      reply = executable
        ? await execute(hub, executable)
        : { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify({ data: null, errors: forbiddenErrors(hub), extensions: { registrationNumber: hub.registrationNumber } }) };
    } catch (error) {
      if (!(error instanceof Refusal)) logger.error({ reg: hub.registrationNumber, err: error }, 'request failed');
      refusal = error instanceof Refusal ? error : new Refusal('INTERNAL_SERVER_ERROR', 'Internal server error.', 500);
      reply = errorReply(hub.registrationNumber, refusal.httpStatus, refusal.code, refusal.message, refusal.extensions, refusal.headers);
    }
    const entry = journalEntryOf(hub, { refusal: refusal?.code ?? null, errorCodes: refusal ? [refusal.code] : hub.errorCodes });
    try {
      // Fail closed (6.9): nothing leaves the hub that the journal does not hold.
      await options.journal.append(entry);
    } catch (error) {
      logger.error({ reg: hub.registrationNumber, err: (error as Error).message }, 'audit journal unavailable');
      reply = errorReply(hub.registrationNumber, 503, 'AUDIT_UNAVAILABLE', 'The audit journal cannot be written, so no data is served. Try again shortly.', {}, { 'retry-after': '5' });
    }
    logger.info({ reg: hub.registrationNumber, agency: entry.agency, decision: entry.decision, reason: entry.reason, records: entry.records, ms: entry.durationMs }, 'request');
    res.writeHead(reply.status, { ...reply.headers, [REGISTRATION_HEADER]: hub.registrationNumber, 'cache-control': 'no-store' });
    res.end(reply.body);
  }

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const route = path === '/graphql' ? handleGraphQL
      : path === '/health' ? async () => sendJson(res, 200, { status: 'ok' })
      : path === '/ready' ? async () => {
        const journal = await options.journal.ping();
        sendJson(res, journal ? 200 : 503, { status: journal ? 'ready' : 'not ready', auditJournal: journal ? 'writable' : 'unreachable' });
      }
      : async () => sendJson(res, 404, { error: 'not found' });
    route(req, res).catch((error: unknown) => {
      logger.error({ err: error }, 'unhandled');
      if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'Internal server error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
    });
  });
  const boundPort = await listen(server, port, host);
  return {
    server,
    port: boundPort,
    url: `http://127.0.0.1:${boundPort}/graphql`,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await apollo.stop();
      await options.journal.close();
    },
  };
}

/** One FORBIDDEN error per field the access policy cut out, on the path the caller asked for. */
function forbiddenErrors(hub: HubRequest) {
  return hub.forbidden.map((f) => ({
    message: `No access to the resource "${f.resource}" for ${hub.identity?.agency ?? 'this caller'}; the field was not requested from it.`,
    path: f.path,
    extensions: { code: 'FORBIDDEN', resource: f.resource },
  }));
}
