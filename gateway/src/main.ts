import pino from 'pino';
import { ConfigError, startTracing } from '@hub/kit';
import { PolicyReloads, prepareGateway } from './bootstrap';
import { gatewayConfigFromEnv } from './config';
import { createLogger } from './monitoring/logger';
import { PolicyError } from './policy/policies';
import { watchPolicySet } from './policy/policy-watch';
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
    // SIGHUP and the files changing ask for the same reload, queued one after the other.
    const reloads = new PolicyReloads(
      config,
      logger,
      { sha256: options.policySet?.sha256 ?? '', supergraph: options.supergraph },
      { gateway, registrationNumber: () => options.registrations.next() },
    );
    const watcher = config.policyWatch.enabled
      ? watchPolicySet({
          policiesDir: config.policiesDir,
          supergraphPath: config.supergraphPath,
          signaturePath: config.policySignature.signaturePath,
          debounceMs: config.policyWatch.debounceMs,
          changed: () => void reloads.request('files changed'),
          unwatchable: (path, error) => logger.warn({ path, err: error }, 'policy set folder not watched: its changes need SIGHUP'),
        })
      : null;
    let stopping = false;
    const stop = (signal: string) => {
      // A second signal while stopping must not cut the requests being finished.
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'stopping: finishing requests in flight, flushing the audit journal');
      watcher?.close();
      reloads
        .stop()
        .then(() => gateway.stop())
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
    process.on('SIGHUP', () => void reloads.request('SIGHUP'));
  } catch (error) {
    // Start-up failures go to stderr, where an operator (or docker logs) looks first.
    const stderr = createLogger('gateway', pino.destination({ fd: 2, sync: true }));
    if (error instanceof ConfigError || error instanceof PolicyError) stderr.fatal(`configuration: ${error.message}`);
    else stderr.fatal({ err: error }, 'cannot start');
    process.exit(1);
  }
}

void main();
