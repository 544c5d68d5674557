import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloGateway, RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { ApolloServerPluginUsageReportingDisabled } from '@apollo/server/plugin/disabled';
import { Agent, fetch as undiciFetch } from 'undici';
import type * as Gateway from '@hub/gateway';
import type { AuditJournal, Quotas } from '@hub/gateway';
import { createKeyPair } from '@hub/kit';
import type * as Kit from '@hub/kit';
import { copyWithoutSignIn } from '@hub/scripts/dist/src/policies-sign';
import { childConfig, ROOT, runChild, serve } from './child';

/**
 * A benchmark child: the hub gateway (whole, journal off or quotas off), started the way
 * gateway/src/main.ts starts it, as deployed (production, the default log level, its log on
 * stdout), or a bare @apollo/gateway over the same subgraphs that sends pre-signed assertions
 * and checks nothing.
 */
export type GatewayMode = 'hub' | 'hub-quiet' | 'traces-on' | 'journal-off' | 'quotas-off' | 'subjects-off' | 'bare-keepalive' | 'bare-default';

export interface GatewayChildConfig {
  mode: GatewayMode;
  supergraphPath: string;
  policiesDir: string;
  keysDir: string;
  databaseUrl: string;
  /** Subgraph name → `Bearer <assertion>`, for the bare gateway. */
  assertions: Record<string, string>;
  /** Another checkout's built tree (--baseline): its gateway runs, with this child's settings. */
  root?: string;
  /** traces-on: the collector its spans are exported to (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT). */
  tracesEndpoint?: string;
}

/** Signs the set this child's gateway will load; the signing key stays in a folder of its own. */
async function signForBench(gateway: typeof Gateway, config: GatewayChildConfig): Promise<void> {
  const set = gateway.loadPolicySet({ policiesDir: config.policiesDir, supergraphPath: config.supergraphPath, keysDir: config.keysDir, subgraphUrls: {} });
  const { privateJwk, publicJwks } = await createKeyPair('bench-policy');
  const files = gateway.policyKeyPaths(config.keysDir);
  writeFileSync(files.jwks, JSON.stringify(publicJwks));
  writeFileSync(files.signature, await gateway.signPolicySet(set, privateJwk));
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

/**
 * The bench measures ministry systems' token traffic; people's sign-in is not on its path, and a
 * production gateway would stop on a national provider it cannot reach. Its set is a copy without
 * the signIn section (a hub for systems only), signed like the rest.
 */
function withoutSignIn(policiesDir: string): string {
  const copy = mkdtempSync(join(tmpdir(), 'hub-bench-policies-'));
  copyWithoutSignIn(policiesDir, copy);
  return copy;
}

/** The only place the benchmark uses the gateway's start-up API (it may change shape). */
async function startHubGateway(given: GatewayChildConfig) {
  const config = { ...given, policiesDir: withoutSignIn(given.policiesDir) };
  const load = createRequire(join(config.root ?? ROOT, 'e2e/package.json'));
  const gateway = load('@hub/gateway') as typeof Gateway;
  const { gatewayConfigFromEnv, prepareGateway, quotasFromEnv, startGateway, createLogger } = gateway;
  // Deployed, a production gateway serves only a signed policy set: the bench signs its own, as an
  // operator does (npm run policies:sign), with a key kept outside the gateway's. A baseline built
  // before signing existed has no set to check.
  if ('signPolicySet' in gateway) await signForBench(gateway, config);
  const env: Record<string, string | undefined> = {
    ...process.env,
    SUPERGRAPH_PATH: config.supergraphPath,
    POLICIES_DIR: config.policiesDir,
    HUB_KEYS_DIR: config.keysDir,
    DATABASE_URL: config.databaseUrl,
    PORT: '0',
    HOST: '127.0.0.1',
    // Deployed, set: DPoP proofs name it (a baseline from before DPoP ignores it).
    HUB_PUBLIC_URL: 'https://hub.bench.test',
  };
  // Deployed, both are unset: production, info. hub-quiet logs warnings only.
  delete env['HUB_MODE'];
  delete env['LOG_LEVEL'];
  if (config.mode === 'hub-quiet') env['LOG_LEVEL'] = 'warn';
  // Traces are off unless the target is traces-on: then every request is traced (100 %) and exported.
  for (const name of Object.keys(env)) if (name.startsWith('OTEL_')) delete env[name];
  if (config.mode === 'traces-on') {
    env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] = config.tracesEndpoint;
    env['OTEL_TRACES_SAMPLER'] = 'parentbased_always_on';
  }
  const gatewayConfig = gatewayConfigFromEnv(env);
  // The logger and the tracing main.ts start.
  const logger = createLogger('gateway', undefined, gatewayConfig.logLevel);
  if (gatewayConfig.tracing) await (load('@hub/kit') as typeof Kit).startTracing(gatewayConfig.tracing, { instrumentPostgres: false });
  const options = await prepareGateway(gatewayConfig, logger);
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
