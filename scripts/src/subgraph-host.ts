import pino from 'pino';
import { ConfigError, EnvReader, startSubgraph, subgraphConfig, SUBGRAPHS, type Environment, type RunningSubgraph } from '@hub/kit';
import { loadSubgraphModule } from '@hub/kit/dev';
import { environmentFromLauncher } from './launched';

/**
 * `npm start` only: the nine subgraphs in one Node process, each still on its own port, with its
 * own database schema, pool and assertion audience. Ten Node processes cost about a gigabyte and
 * load the same modules ten times; docker-compose and production run each subgraph's own main.js.
 * Ports are SUBGRAPH_BASE_PORT and the eight after it, on loopback only; the rest of the environment is the one a
 * subgraph's main.js reads. The launcher starts it with the database and hands over the rest of
 * the environment once the database answers (launched.ts): the modules load meanwhile.
 */
async function main(started: Environment): Promise<void> {
  const running: RunningSubgraph[] = [];
  let stopping = false;
  const stop = async (code: number) => {
    // A second signal while stopping must not cut the requests being finished.
    if (stopping) return;
    stopping = true;
    const results = await Promise.allSettled(running.map((subgraph) => subgraph.stop()));
    process.exit(results.some((r) => r.status === 'rejected') ? 1 : code);
  };
  process.on('SIGTERM', () => void stop(0));
  process.on('SIGINT', () => void stop(0));

  try {
    const modules = SUBGRAPHS.map(({ name }) => loadSubgraphModule(name));
    const env = { ...started, ...(await environmentFromLauncher()) };
    const basePort = new EnvReader(env).integer('SUBGRAPH_BASE_PORT', SUBGRAPHS[0].port, 1024, 65_000);
    await Promise.all(
      modules.map(async (module, i) => {
        const config = subgraphConfig({ ...env, PORT: String(basePort + i) }, module.name, module.defaultPort);
        // Only the gateway, on this machine, calls them: the demo's subgraphs listen on loopback, like its gateway.
        running.push(await startSubgraph(module, { ...config, host: '127.0.0.1', logger: pino({ name: module.name }) }));
      }),
    );
  } catch (error) {
    // Start-up failures go to stderr, where the launcher's user looks first.
    const stderr = pino({ name: 'subgraphs' }, pino.destination({ fd: 2, sync: true }));
    if (error instanceof ConfigError) stderr.fatal(`configuration: ${error.message}`);
    else stderr.fatal({ err: error }, 'cannot start');
    await stop(1);
  }
}

void main(process.env);
