import pino from 'pino';
import { ConfigError, gatewayJwksPath, requireInteger, requireUrl, seedFromEnv } from './env';
import { DEFAULT_SHUTDOWN_GRACE_MS } from './http';
import { startSubgraph, type SubgraphModule } from './subgraph';

/**
 * The process entry every subgraph's main.js calls: the same code runs under `npm start`,
 * docker-compose and the tests. On SIGTERM it stops taking connections, lets requests in
 * flight finish (their journal records included), closes the database and exits 0.
 */
export async function runSubgraphProcess<L>(module: SubgraphModule<L>): Promise<void> {
  const logger = pino({ name: module.name });
  try {
    const running = await startSubgraph(module, {
      databaseUrl: requireUrl('DATABASE_URL'),
      port: requireInteger('PORT', module.defaultPort, 0, 65535),
      gatewayJwksPath: gatewayJwksPath(),
      seed: seedFromEnv(),
      poolSize: requireInteger('DATABASE_POOL_SIZE', 10, 1, 200),
      shutdownGraceMs: requireInteger('SHUTDOWN_GRACE_MS', DEFAULT_SHUTDOWN_GRACE_MS, 0, 600_000),
      logger,
    });
    let stopping = false;
    const shutdown = (signal: string) => {
      // A second signal while stopping must not cut the requests being finished.
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'stopping: finishing requests in flight');
      running.stop().then(() => process.exit(0), (error: unknown) => {
        logger.error({ err: error }, 'unclean stop');
        process.exit(1);
      });
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
