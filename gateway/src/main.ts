import pino from 'pino';
import { ConfigError, startTracing } from '@hub/kit';
import { prepareGateway, reloadPolicySet } from './bootstrap';
import { gatewayConfigFromEnv } from './config';
import { createLogger } from './monitoring/logger';
import { PolicyError } from './policy/policies';
import { startGateway } from './http/server';

/** The gateway process: the same entry under `npm start`, docker-compose and the tests. */
async function main(): Promise<void> {
  let logger = createLogger('gateway');
  try {
    const config = gatewayConfigFromEnv(process.env);
    logger = createLogger('gateway', undefined, config.logLevel);
    const tracing = await startTracing(config.tracing, { instrumentPostgres: false });
    const options = await prepareGateway(config, logger);
    const gateway = await startGateway(options, config.port, config.host);
    logger.info({ url: `http://localhost:${gateway.port}/graphql` }, 'gateway listening');
    let stopping = false;
    const stop = (signal: string) => {
      // A second signal while stopping must not cut the requests being finished.
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'stopping: finishing requests in flight, flushing the audit journal');
      gateway
        .stop()
        .then(() => tracing?.stop())
        .then(
          () => {
            // Written by the exit's flush of the log (logger.ts): the last line a clean stop leaves.
            logger.info('stopped: requests finished, audit journal flushed');
            process.exit(0);
          },
          (error: unknown) => {
            logger.error({ err: error }, 'unclean stop');
            process.exit(1);
          },
        );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    // SIGHUP reloads the policy set; reloads run one after the other, each against the set the previous left in force.
    let inForce = options.policySet?.sha256 ?? '';
    let reloads = Promise.resolve();
    process.on('SIGHUP', () => {
      // A stopping gateway builds no new engine.
      if (stopping) return;
      logger.info({ signal: 'SIGHUP' }, 'reloading the policy set');
      reloads = reloads.then(async () => {
        inForce = await reloadPolicySet(config, logger, { gateway, inForce, registrationNumber: () => options.registrations.next() }).catch(
          (error: unknown) => {
            logger.error({ err: error }, 'policy set reload failed: the one in force keeps serving');
            return inForce;
          },
        );
      });
    });
  } catch (error) {
    // Start-up failures go to stderr, where an operator (or docker logs) looks first.
    const stderr = createLogger('gateway', pino.destination({ fd: 2, sync: true }));
    if (error instanceof ConfigError || error instanceof PolicyError) stderr.fatal(`configuration: ${error.message}`);
    else stderr.fatal({ err: error }, 'cannot start');
    process.exit(1);
  }
}

void main();
