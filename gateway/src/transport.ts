import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLRequestContext, GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { GraphQLError } from 'graphql';
import { Agent, fetch as undiciFetch } from 'undici';
import { hubError, signCallerAssertion, type SigningKey } from '@hub/kit';
import type { HubContext } from './context';

/**
 * Transport to the subgraphs (X-Road's "security server" part): keep-alive connections, a
 * timeout per call, and a per-call assertion signed by the gateway so a subgraph trusts the
 * caller's identity without ever seeing the caller's own token.
 */
export interface TransportOptions {
  signingKey: SigningKey;
  timeoutMs: number;
  connectionsPerSubgraph: number;
}

export function createFetcher(options: TransportOptions) {
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: options.connectionsPerSubgraph, pipelining: 1 });
  return ((url: string, init: Record<string, unknown>) =>
    undiciFetch(url, { ...init, dispatcher: agent, signal: AbortSignal.timeout(options.timeoutMs) } as never)) as never;
}

export class HubDataSource extends RemoteGraphQLDataSource<HubContext> {
  constructor(private readonly subgraph: { name: string; url: string }, private readonly options: TransportOptions, fetcher: ReturnType<typeof createFetcher>) {
    super({ url: subgraph.url, fetcher });
  }

  override async willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<HubContext>): Promise<void> {
    const hub = context.hub;
    // The access policy already removed every field of a resource at 'none'; this is the last line.
    const level = hub?.levelOf(this.subgraph.name);
    if (!hub || !level) throw hubError('FORBIDDEN', `No access to the subgraph "${this.subgraph.name}".`);
    const assertion = await signCallerAssertion(this.options.signingKey, this.subgraph.name, hub.callerFor(level), 60);
    request.http?.headers.set('authorization', `Bearer ${assertion}`);
  }

  /** Subgraphs report how many records they returned; the audit journal keeps the count, never the records. */
  override didReceiveResponse({ response, context }: Required<Pick<GatewayGraphQLRequestContext<HubContext>, 'request' | 'response' | 'context'>>): GatewayGraphQLResponse {
    const records = (response as { extensions?: { hub?: { records?: unknown } } }).extensions?.hub?.records;
    if (typeof records === 'number') context.hub?.countRecords(this.subgraph.name, records);
    return response;
  }

  /** A subgraph that is down or too slow costs only its own fields (R14). */
  override didEncounterError(error: Error): void {
    if (error instanceof GraphQLError) throw error;
    throw hubError('SUBGRAPH_UNAVAILABLE', `The subgraph "${this.subgraph.name}" did not answer; its fields are missing from this response.`, { subgraph: this.subgraph.name });
  }
}
