import { readFileSync } from 'node:fs';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { childConfig, ROOT, runChild, serve } from './child';

/**
 * A benchmark child: Hive Gateway (JavaScript planner, or the Rust planner of
 * @graphql-hive/router-runtime) over the same supergraph, sending the same pre-signed
 * assertions as the bare gateway. Both are loaded from bench/peers, outside the hub's install.
 */
export interface HiveChildConfig {
  planner: 'javascript' | 'rust';
  supergraphPath: string;
  /** Subgraph name → `Bearer <assertion>`. */
  assertions: Record<string, string>;
}

/** The part of @graphql-hive/gateway this child uses (its types live in bench/peers, not in the hub's build). */
interface HiveGatewayModule {
  createGatewayRuntime(config: Record<string, unknown>): RequestListener & { dispose(): Promise<void> };
}

interface RouterRuntimeModule {
  unifiedGraphHandler: unknown;
}

runChild(async () => {
  const config = childConfig<HiveChildConfig>();
  const peers = createRequire(resolve(ROOT, 'bench/peers/package.json'));
  const hive = peers('@graphql-hive/gateway') as HiveGatewayModule;
  const transportEntries = Object.fromEntries(
    Object.entries(config.assertions).map(([name, authorization]) => [
      name,
      {
        headers: [['authorization', authorization]],
        // One FİN repeated under load is not a real workload: every request goes to the subgraphs.
        options: { deduplicateInflightRequests: false },
      },
    ]),
  );
  const gateway = hive.createGatewayRuntime({
    supergraph: readFileSync(config.supergraphPath, 'utf8'),
    transportEntries,
    inboundInflightRequestDeduplication: false,
    logging: false,
    landingPage: false,
    graphiql: false,
    ...(config.planner === 'rust' ? { unifiedGraphHandler: (peers('@graphql-hive/router-runtime') as RouterRuntimeModule).unifiedGraphHandler } : {}),
  });
  const server = createServer(gateway);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  serve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await gateway.dispose();
  });
});
