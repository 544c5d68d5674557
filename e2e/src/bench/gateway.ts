import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloGateway, RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { ApolloServerPluginUsageReportingDisabled } from '@apollo/server/plugin/disabled';
import pino from 'pino';
import { Agent, fetch as undiciFetch } from 'undici';
import { gatewayConfigFromEnv, prepareGateway, quotasFromEnv, startGateway, type AuditJournal, type Quotas } from '@hub/gateway';
import { childConfig, runChild, serve } from './child';

/**
 * A benchmark child: the hub gateway (whole, journal off or quotas off), started the way
 * gateway/src/main.ts starts it, or a bare @apollo/gateway over the same subgraphs that sends
 * pre-signed assertions and checks nothing.
 */
export type GatewayMode = 'hub' | 'journal-off' | 'quotas-off' | 'subjects-off' | 'bare-keepalive' | 'bare-default';

export interface GatewayChildConfig {
  mode: GatewayMode;
  supergraphPath: string;
  policiesDir: string;
  keysDir: string;
  databaseUrl: string;
  /** Subgraph name → `Bearer <assertion>`, for the bare gateway. */
  assertions: Record<string, string>;
}

const noJournal: AuditJournal = {
  append: async () => undefined,
  drain: async () => undefined,
  ping: async () => true,
  queueDepth: () => 0,
  close: async () => undefined,
};
const noQuotas: Quotas = {
  admitAddress: async () => undefined,
  penalizeAddress: async () => undefined,
  admit: async () => undefined,
  settle: async () => undefined,
  counting: () => 'local',
  close: async () => undefined,
};

/** The only place the benchmark uses the gateway's start-up API (it may change shape). */
async function startHubGateway(config: GatewayChildConfig) {
  const env = {
    ...process.env,
    SUPERGRAPH_PATH: config.supergraphPath,
    POLICIES_DIR: config.policiesDir,
    HUB_KEYS_DIR: config.keysDir,
    DATABASE_URL: config.databaseUrl,
    PORT: '0',
    HOST: '127.0.0.1',
    HUB_MODE: 'development',
  };
  const logger = pino({ level: 'warn' }, pino.destination(2));
  const options = await prepareGateway(gatewayConfigFromEnv(env), logger);
  // Quotas stay in the path but never refuse: one token sends far more than an officer may.
  const unlimited = 1e12;
  await options.quotas.close();
  options.quotas =
    config.mode === 'quotas-off'
      ? noQuotas
      : quotasFromEnv(
          {
            ...options.limits.quotas,
            requestsPerMinutePerAgency: unlimited,
            requestsPerMinutePerSub: unlimited,
            recordsPerDayPerAgency: unlimited,
          },
          undefined,
        );
  if (config.mode === 'subjects-off') options.subjectKeys = null;
  if (config.mode === 'journal-off') {
    await options.journal.close();
    options.journal = noJournal;
  }
  return startGateway(options, 0, '127.0.0.1');
}

/** The keep-alive transport the hub gateway uses (gateway/src/upstream/transport.ts), without the pipeline. */
function keepAliveFetcher() {
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: 64, pipelining: 1 });
  return ((url: string, init: Record<string, unknown>) => undiciFetch(url, { ...init, dispatcher: agent } as never)) as never;
}

class PreSignedDataSource extends RemoteGraphQLDataSource {
  constructor(
    url: string,
    private readonly authorization: string,
    fetcher?: ReturnType<typeof keepAliveFetcher>,
  ) {
    super({ url, ...(fetcher ? { fetcher } : {}) });
  }

  override willSendRequest({ request }: GraphQLDataSourceProcessOptions): void {
    request.http?.headers.set('authorization', this.authorization);
  }
}

/** A bare @apollo/gateway over the same subgraphs: no identity, access, purpose or audit. */
async function startBareGateway(config: GatewayChildConfig) {
  const fetcher = config.mode === 'bare-keepalive' ? keepAliveFetcher() : undefined;
  const apollo = new ApolloServer({
    gateway: new ApolloGateway({
      supergraphSdl: readFileSync(config.supergraphPath, 'utf8'),
      buildService: ({ name, url }) => new PreSignedDataSource(url ?? '', config.assertions[name] ?? '', fetcher),
    }),
    plugins: [ApolloServerPluginUsageReportingDisabled()],
    csrfPrevention: false,
    stopOnTerminationSignals: false,
  });
  await apollo.start();
  const server: Server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      apollo
        .executeHTTPGraphQLRequest({
          httpGraphQLRequest: { method: 'POST', headers: new HeaderMap([['content-type', 'application/json']]), search: '', body: JSON.parse(body) as unknown },
          context: async () => ({}),
        })
        .then(
          (response) => {
            res.writeHead(response.status ?? 200, { 'content-type': 'application/json' });
            res.end(response.body.kind === 'complete' ? response.body.string : '');
          },
          (error: unknown) => {
            res.writeHead(500).end(String(error));
          },
        );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    async stop() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await apollo.stop();
    },
  };
}

runChild(async () => {
  const config = childConfig<GatewayChildConfig>();
  const gateway = config.mode.startsWith('bare') ? await startBareGateway(config) : await startHubGateway(config);
  serve(gateway.url, () => gateway.stop());
});
