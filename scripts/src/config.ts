import { ConfigError, EnvReader, SUBGRAPHS, type Environment } from '@hub/kit';
import { ROOT } from './processes';

/** Where the operator commands find keys and policies; relative paths are from the repository's root. */
interface OperatorConfig {
  keysDir: string;
  policiesDir: string;
}

export function operatorConfig(env: Environment): OperatorConfig {
  const read = new EnvReader(env);
  return { keysDir: read.path('HUB_KEYS_DIR', '.keys', ROOT), policiesDir: read.path('POLICIES_DIR', 'policies', ROOT) };
}

/** `npm start`: what the launcher decides for the processes it starts. */
interface LauncherConfig extends OperatorConfig {
  /** A PostgreSQL server; without one the launcher starts the embedded one on `pgliteDataDir`. */
  databaseUrl: string | undefined;
  pgliteDataDir: string;
  /** The processes' own log lines go here, so the terminal keeps the launcher's. */
  logFile: string;
  seed: string;
  poolSize: number;
  /** The nine subgraphs listen on this port and the eight after it. */
  subgraphBasePort: number;
  gatewayPort: number;
  /** Where browsers reach the gateway; the demo provider sends them back there. */
  publicUrl: string;
  /** The demo OpenID provider, on loopback. */
  demoProviderPort: number;
}

export function launcherConfig(env: Environment): LauncherConfig {
  const read = new EnvReader(env);
  // The launcher mints tokens and seeds demo data: asked for anything but the demo, it refuses rather than quietly run one.
  const mode = read.text('HUB_MODE');
  if (mode !== undefined && mode !== 'development')
    throw new ConfigError(
      `HUB_MODE=${JSON.stringify(mode)}: \`npm start\` runs the development demo only. Production runs each process's own entry: \`docker compose up\` (docker-compose.yml) or deploy/k8s (see the README, "Production").`,
    );
  const databaseUrl = read.text('DATABASE_URL') === undefined ? undefined : read.databaseUrl('DATABASE_URL');
  const gatewayPort = read.integer('PORT', 4000, 1, 65_535);
  return {
    ...operatorConfig(env),
    databaseUrl,
    pgliteDataDir: read.path('PGLITE_DATA_DIR', '.data/pglite', ROOT),
    logFile: read.path('HUB_LOG_FILE', '.data/hub.log', ROOT),
    seed: read.text('HUB_SEED') ?? 'demo',
    // The embedded PostgreSQL is one process serving all nine: small pools keep it responsive.
    poolSize: read.integer('DATABASE_POOL_SIZE', databaseUrl ? 10 : 4, 1, 200),
    subgraphBasePort: read.integer('SUBGRAPH_BASE_PORT', SUBGRAPHS[0].port, 1024, 65_000),
    gatewayPort,
    // localhost, not 127.0.0.1: browsers keep the Secure, __Host- session cookie on it over http.
    publicUrl: read.text('HUB_PUBLIC_URL') ?? `http://localhost:${gatewayPort}`,
    demoProviderPort: read.integer('DEMO_PROVIDER_PORT', 4010, 1024, 65_535),
  };
}
