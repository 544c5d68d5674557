import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginUsageReportingDisabled } from '@apollo/server/plugin/disabled';
import { Kind, print, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import type { SigningKey } from '@hub/kit';
import type { HubContext, HubRequest } from '../pipeline/context';
import type { Caches } from '../pipeline/document-cache';
import { runsSource, type SelectedOperation } from '../http/graphql-request';
import type { Policies } from '../policy/policies';
import type { SupergraphInfo } from '../policy/supergraph';
import type { HubResult, SubgraphCall } from '../pipeline/stage';
import { HubDataSource, type SubgraphTransport } from './transport';
import { warmUpOperations } from './warm-up';

/** Rounds over the warm-up operations (warm-up.ts): enough for V8 to compile the hot paths, well under a second. */
export const WARM_UP_ROUNDS = 20;

export interface ApolloExecutor {
  /** The pipeline's execution step: the operation as the stages left it, planned and executed by Apollo's gateway. */
  readonly execute: (hub: HubRequest, operation: SelectedOperation | null) => Promise<HubResult>;
  /** How long the warm-up took (the start-up log). */
  readonly warmUpMs: number;
  stop(): Promise<void>;
}

/**
 * Apollo's gateway as the request path's last step. Each subgraph call passes the stages'
 * `onSubgraphFetch` (`subgraphFetch`) before the transport signs and sends it.
 */
export async function startApollo(
  supergraph: SupergraphInfo,
  policies: Policies,
  signingKey: SigningKey,
  transport: SubgraphTransport,
  subgraphFetch: (hub: HubRequest, call: SubgraphCall) => void,
  caches: Caches,
): Promise<ApolloExecutor> {
  // The text Apollo executes for an operation a stage changed: printed once per changed executable.
  const printed = caches.create<OperationDefinitionNode, string>('printed');
  // The supergraph's URLs with the operator's overrides (SUBGRAPH_URL_<NAME>) applied.
  const urls = new Map(supergraph.subgraphs.map((s) => [s.name, s.url]));
  const apollo = new ApolloServer<HubContext>({
    gateway: new ApolloGateway({
      supergraphSdl: supergraph.sdl,
      // The plan's span ends here; Apollo's own spans stay no-ops (the kit's tracing.ts).
      experimental_didResolveQueryPlan: ({ requestContext }) => (requestContext.context as Partial<HubContext>).hub?.trace.planned(),
      buildService: ({ name }) =>
        new HubDataSource(
          { name, url: urls.get(name) ?? '', resource: policies.resourceOfSubgraph.get(name)?.name ?? null },
          signingKey,
          transport.fetcherFor(name),
          subgraphFetch,
        ),
    }),
    plugins: [ApolloServerPluginInlineTraceDisabled(), ApolloServerPluginUsageReportingDisabled()],
    includeStacktraceInErrorResponses: false,
    // The stages decide who may introspect; by here the operation is allowed.
    introspection: true,
    // main.ts stops the gateway on SIGTERM and flushes the journal; Apollo's own handler would re-raise the signal and cut that short.
    stopOnTerminationSignals: false,
  });
  await apollo.start();
  const warmUpStarted = Date.now();
  await warmUp(apollo, supergraph.apiSchema);
  return {
    warmUpMs: Date.now() - warmUpStarted,
    async execute(hub, operation) {
      if (!operation?.executable) return { status: 200, headers: {}, body: { data: null }, refusal: null };
      // Never under a name the caller chose (http/graphql-request.ts): Apollo would pass it to every subgraph.
      let query = runsSource(operation) ? operation.source : printed.get(operation.executable);
      if (query === undefined) {
        const { name: _name, ...executable } = operation.executable;
        printed.set(operation.executable, '', (query = print({ kind: Kind.DOCUMENT, definitions: [executable] })));
      }
      hub.trace.planning();
      const response = await apollo.executeOperation({ query, ...(operation.variables ? { variables: operation.variables } : {}) }, { contextValue: { hub } });
      // Refused before a plan (validation): the plan's span ends with the execution.
      hub.trace.planned();
      if (response.body.kind !== 'single') throw new Error('incremental delivery is not served');
      const { data, errors, extensions } = response.body.singleResult;
      return {
        status: response.http.status ?? 200,
        headers: {},
        body: { ...(data !== undefined ? { data } : {}), ...(errors ? { errors: [...errors] } : {}), ...(extensions ? { extensions } : {}) },
        refusal: null,
      };
    },
    stop: () => apollo.stop(),
  };
}

async function warmUp(apollo: ApolloServer<HubContext>, schema: GraphQLSchema): Promise<void> {
  const operations = warmUpOperations(schema);
  // No caller: the data source refuses every fetch before it is sent, so nothing reaches a subgraph, the journal or the metrics.
  const nobody = {} as HubContext;
  for (let round = 0; round < WARM_UP_ROUNDS; round += 1) {
    for (const query of operations) await apollo.executeOperation({ query }, { contextValue: nobody });
  }
}
