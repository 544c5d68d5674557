import pino from 'pino';
import { catalogEntry, type SubgraphName } from './catalog';
import { ConfigError, subgraphConfig, type Environment } from './config';
import type { SubgraphModule } from './subgraph';
import { startTracing } from './tracing';

/**
 * The process entry every subgraph's main.js calls with its environment: the same code runs
 * under `npm start`, docker-compose and the tests. On SIGTERM it stops taking connections, lets
 * requests in flight finish (their journal records included), closes the database, exports the
 * spans left and exits 0. The subgraph's modules are loaded only once tracing has started: pg's
 * instrumentation must be in place before pg is first required, so nothing this file imports loads pg.
 */
export async function runSubgraphProcess<L>(name: SubgraphName, env: Environment, load: () => Promise<SubgraphModule<L>>): Promise<void> {
  const logger = pino({ name });
  try {
    const config = subgraphConfig(env, name, catalogEntry(name).port);
    const tracing = await startTracing(config.tracing, { instrumentPostgres: true });
    const [module, { startSubgraph }] = await Promise.all([load(), import('./subgraph.js')]);
    const running = await startSubgraph(module, { ...config, logger });
    let stopping = false;
    const shutdown = (signal: string) => {
      // A second signal while stopping must not cut the requests being finished.
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'stopping: finishing requests in flight');
      running
        .stop()
        .then(() => tracing?.stop())
        .then(
          () => process.exit(0),
          (error: unknown) => {
            logger.error({ err: error }, 'unclean stop');
            process.exit(1);
          },
        );
    };
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    process.on('SIGINT', () => shutdown('SIGINT'));
  } catch (error) {
    // Start-up failures go to stderr, where an operator (or docker logs) looks first.
    const stderr = pino({ name }, pino.destination({ fd: 2, sync: true }));
    if (error instanceof ConfigError) stderr.fatal(`configuration: ${error.message}`);
    else stderr.fatal({ err: error }, 'cannot start');
    process.exit(1);
  }
}
