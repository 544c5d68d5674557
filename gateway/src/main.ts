import { ConfigError } from '@hub/kit';
import { prepareGateway } from './bootstrap';
import { gatewayConfigFromEnv } from './config';
import { createLogger } from './logger';
import { PolicyError } from './policies';
import { startGateway } from './server';

/** The gateway process: the same entry under `npm start`, docker-compose and the tests. */
async function main(): Promise<void> {
  const logger = createLogger('gateway');
  try {
    const config = gatewayConfigFromEnv();
    const gateway = await startGateway(await prepareGateway(config, logger), config.port, config.host);
    logger.info({ url: `http://localhost:${gateway.port}/graphql` }, 'gateway listening');
    const stop = (signal: string) => {
      logger.info({ signal }, 'stopping: finishing requests in flight, flushing the audit journal');
      gateway.stop().then(() => process.exit(0), (error: unknown) => {
        logger.error({ err: error }, 'unclean stop');
        process.exit(1);
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  } catch (error) {
    if (error instanceof ConfigError || error instanceof PolicyError) logger.fatal(`configuration: ${error.message}`);
    else logger.fatal({ err: error }, 'cannot start');
    process.exit(1);
  }
}

void main();
