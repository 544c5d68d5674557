import pino from 'pino';
import { ConfigError, gatewayJwksPath, requireInteger, requireUrl, seedFromEnv } from './env';
import { startSubgraph, type SubgraphModule } from './subgraph';

/**
 * The process entry every subgraph's main.js calls: the same code runs under `npm start`,
 * docker-compose and the tests. SIGTERM lets requests in flight finish, then exits 0.
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
      logger,
    });
    const shutdown = (signal: string) => {
      logger.info({ signal }, 'stopping');
      running.stop().then(() => process.exit(0), (error: unknown) => {
        logger.error({ err: error }, 'unclean stop');
        process.exit(1);
      });
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  } catch (error) {
    if (error instanceof ConfigError) logger.fatal(`configuration: ${error.message}`);
    else logger.fatal({ err: error }, 'cannot start');
    process.exit(1);
  }
}
