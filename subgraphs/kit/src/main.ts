import pino from 'pino';
import { ConfigError, subgraphConfig, type Environment } from './config';
import { startSubgraph, type SubgraphModule } from './subgraph';

/**
 * The process entry every subgraph's main.js calls with its environment: the same code runs
 * under `npm start`, docker-compose and the tests. On SIGTERM it stops taking connections, lets
 * requests in flight finish (their journal records included), closes the database and exits 0.
 */
export async function runSubgraphProcess<L>(module: SubgraphModule<L>, env: Environment): Promise<void> {
  const logger = pino({ name: module.name });
  try {
    const running = await startSubgraph(module, { ...subgraphConfig(env, module.defaultPort), logger });
    let stopping = false;
    const shutdown = (signal: string) => {
      // A second signal while stopping must not cut the requests being finished.
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'stopping: finishing requests in flight');
      running.stop().then(
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
    const stderr = pino({ name: module.name }, pino.destination({ fd: 2, sync: true }));
    if (error instanceof ConfigError) stderr.fatal(`configuration: ${error.message}`);
    else stderr.fatal({ err: error }, 'cannot start');
    process.exit(1);
  }
}
