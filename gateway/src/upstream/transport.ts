import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import CircuitBreaker from 'opossum';
import type { Logger } from 'pino';
import { Agent, type Dispatcher } from 'undici';
import { hubError, signCallerAssertion, type Caller, type SigningKey } from '@hub/kit';
import type { HubContext, HubRequest } from '../pipeline/context';
import type { SubgraphCall } from '../pipeline/stage';
import type { GatewayMetrics, SubgraphFailure } from '../monitoring/metrics';

/**
 * Transport to the subgraphs (X-Road's "security server" part): keep-alive connections, a
 * timeout per call, a circuit breaker per subgraph, and a per-call assertion signed by the
 * gateway so a subgraph trusts the caller's identity without ever seeing the caller's token.
 */
export interface BreakerOptions {
  /** Share of failed calls in the window above which the circuit opens. */
  errorThresholdPercentage: number;
  /** Calls in the window before the share is judged at all. */
  volumeThreshold: number;
  /** How long an open circuit refuses calls before letting one trial call through. */
  resetTimeoutMs: number;
  /** The rolling window the share is computed over. */
  windowMs: number;
  /** Timeouts in a row that open the circuit whatever the share: a frozen subgraph must not cost every caller the full timeout. */
  consecutiveTimeouts: number;
}

export const DEFAULT_BREAKER: BreakerOptions = {
  errorThresholdPercentage: 50,
  volumeThreshold: 5,
  resetTimeoutMs: 10_000,
  windowMs: 10_000,
  consecutiveTimeouts: 3,
};

export interface TransportOptions {
  timeoutMs: number;
  connectionsPerSubgraph: number;
  breaker: BreakerOptions;
  metrics: GatewayMetrics;
  logger: Logger;
}

/** One call: a POST of a JSON body. */
interface CallInit {
  headers: Record<string, string>;
  body: string;
}

/** A subgraph's answer, read whole. */
export interface SubgraphAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export type Fetcher = (url: string, init: CallInit) => Promise<SubgraphAnswer>;

/** A subgraph that answered, but not with something the gateway can use. */
class SubgraphAnswerError extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

class SubgraphTimeout extends Error {
  override readonly name = 'TimeoutError';
}

class ShutdownAbort extends Error {
  override readonly name = 'AbortError';
}

function failureOf(error: unknown): SubgraphFailure {
  if (error instanceof SubgraphAnswerError) return 'bad_response';
  return error instanceof SubgraphTimeout ? 'timeout' : 'unreachable';
}

const isOpenCircuit = (error: unknown) => (error as { code?: string }).code === 'EOPENBREAKER';

interface Target {
  origin: string;
  path: string;
}

export class SubgraphTransport {
  private readonly agent: Agent;
  private readonly breakers = new Map<string, CircuitBreaker<[string, CallInit], SubgraphAnswer>>();
  private readonly targets = new Map<string, Target>();
  /** Calls under way, so a stop can end them at the grace instead of waiting for their timeout. */
  private readonly running = new Set<(reason: Error) => void>();

  constructor(private readonly options: TransportOptions) {
    // The call's own timer bounds the whole exchange (queueing for a connection included); undici's per-phase timeouts would not.
    this.agent = new Agent({ keepAliveTimeout: 30_000, connections: options.connectionsPerSubgraph, pipelining: 1, headersTimeout: 0, bodyTimeout: 0 });
  }

  /** Calls to one subgraph, through its circuit breaker. */
  fetcherFor(subgraph: string): Fetcher {
    let breaker = this.breakers.get(subgraph);
    if (!breaker) {
      const { breaker: policy, metrics } = this.options;
      let timeoutsInARow = 0;
      const circuit: CircuitBreaker<[string, CallInit], SubgraphAnswer> = new CircuitBreaker(
        async (url: string, init: CallInit) => {
          try {
            const response = await this.call(subgraph, url, init);
            timeoutsInARow = 0;
            return response;
          } catch (error) {
            timeoutsInARow = error instanceof SubgraphTimeout ? timeoutsInARow + 1 : 0;
            if (timeoutsInARow >= policy.consecutiveTimeouts) circuit.open();
            throw error;
          }
        },
        {
          // The call carries its own timeout (an abort that really cancels the request), so the breaker's is off.
          timeout: false,
          errorThresholdPercentage: policy.errorThresholdPercentage,
          volumeThreshold: policy.volumeThreshold,
          resetTimeout: policy.resetTimeoutMs,
          rollingCountTimeout: policy.windowMs,
          name: subgraph,
        },
      );
      circuit.on('open', () => {
        this.options.logger.warn({ subgraph, pauseMs: policy.resetTimeoutMs }, 'circuit open: the subgraph is not called for a while');
        metrics.circuitState(subgraph, 'open');
      });
      circuit.on('halfOpen', () => metrics.circuitState(subgraph, 'half_open'));
      circuit.on('close', () => {
        timeoutsInARow = 0;
        this.options.logger.info({ subgraph }, 'circuit closed: the subgraph answers again');
        metrics.circuitState(subgraph, 'closed');
      });
      circuit.on('reject', () => metrics.subgraphRefused(subgraph));
      metrics.circuitState(subgraph, 'closed');
      this.breakers.set(subgraph, circuit);
      breaker = circuit;
    }
    const circuit = breaker;
    return (url, init) => circuit.fire(url, init);
  }

  private targetOf(url: string): Target {
    let target = this.targets.get(url);
    if (!target) {
      const parsed = new URL(url);
      target = { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
      this.targets.set(url, target);
    }
    return target;
  }

  private async call(subgraph: string, url: string, init: CallInit): Promise<SubgraphAnswer> {
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    try {
      const answer = await this.exchange(url, init);
      if (answer.status >= 500) throw new SubgraphAnswerError(answer.status);
      // A subgraph refusing the gateway itself (a key it does not trust) is alive, so not a breaker failure, but an operator must know.
      if (answer.status >= 400) this.options.logger.warn({ subgraph, status: answer.status }, 'subgraph refused the call');
      this.options.metrics.subgraphCall(subgraph, seconds(), null);
      return answer;
    } catch (error) {
      const failure = failureOf(error);
      this.options.metrics.subgraphCall(subgraph, seconds(), failure);
      this.options.logger.warn({ subgraph, failure, ...(error instanceof SubgraphAnswerError ? { status: error.status } : {}) }, 'subgraph call failed');
      throw error;
    }
  }

  /**
   * One POST, its answer read whole under one timer (queueing for a connection included), through
   * undici's dispatcher API: no AbortSignal, no web or node stream per call. A timeout or a stop
   * settles the call at once and cancels the request as soon as undici has it on a connection.
   */
  private exchange(url: string, init: CallInit): Promise<SubgraphAnswer> {
    const { origin, path } = this.targetOf(url);
    return new Promise((resolve, reject) => {
      let settled = false;
      let reason: Error | null = null;
      let abortRequest: ((error: Error) => void) | null = null;
      let status = 0;
      let headers: Record<string, string | string[] | undefined> = {};
      const chunks: Buffer[] = [];
      const settle = (error: Error | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.running.delete(cancel);
        if (error) reject(error);
        else resolve({ status, headers, body: Buffer.concat(chunks).toString('utf8') });
      };
      const cancel = (error: Error) => {
        if (settled) return;
        reason = error;
        settle(error);
        abortRequest?.(error);
      };
      const timer = setTimeout(() => cancel(new SubgraphTimeout(`no answer within ${this.options.timeoutMs} ms`)), this.options.timeoutMs);
      this.running.add(cancel);
      // undici's handler interface (onRequestStart … onResponseEnd): its controller cancels the request.
      const handler: Dispatcher.DispatchHandler = {
        onRequestStart: (controller) => {
          // Cut short while it waited for a connection: it is not sent.
          if (reason) controller.abort(reason);
          else abortRequest = (error) => controller.abort(error);
        },
        onResponseStart: (_controller, statusCode, responseHeaders) => {
          status = statusCode;
          headers = responseHeaders;
        },
        onResponseData: (_controller, chunk) => {
          chunks.push(chunk);
        },
        onResponseEnd: () => settle(null),
        onResponseError: (_controller, error) => settle(error),
      };
      try {
        this.agent.dispatch({ origin, path, method: 'POST', headers: init.headers, body: init.body }, handler);
      } catch (error) {
        settle(error as Error);
      }
    });
  }

  /** Ends every call still running (a stop past its grace): each fails as unreachable, costing only its fields. */
  abortAll(): void {
    for (const cancel of [...this.running]) cancel(new ShutdownAbort('the gateway is stopping'));
  }

  async close(): Promise<void> {
    for (const breaker of this.breakers.values()) breaker.shutdown();
    this.abortAll();
    await this.agent.close();
  }
}

/** Every stage has added its part of the caller; a missing part is a fault of ours, never a weaker assertion. */
function completeCaller(claims: Partial<Caller>): Caller {
  const { agency, sub, roles, purpose, caseNumber, fin, level, registrationNumber, searchLimit } = claims;
  if (
    agency === undefined ||
    sub === undefined ||
    roles === undefined ||
    purpose === undefined ||
    caseNumber === undefined ||
    fin === undefined ||
    level === undefined ||
    registrationNumber === undefined ||
    searchLimit === undefined
  ) {
    throw new Error('incomplete caller assertion');
  }
  return {
    agency,
    sub,
    roles,
    purpose,
    caseNumber,
    fin,
    level,
    registrationNumber,
    searchLimit,
    ...(claims.subjectHashes ? { subjectHashes: claims.subjectHashes } : {}),
    ...(claims.hiddenPurposes ? { hiddenPurposes: claims.hiddenPurposes } : {}),
  };
}

/** Each stage's part of a subgraph call (Pipeline.subgraphFetch). */
export type SubgraphFetchHook = (hub: HubRequest, call: SubgraphCall) => void;

/** An answer Apollo can merge: a JSON object, sent as JSON (what RemoteGraphQLDataSource.parseBody accepts). */
function graphQLAnswerOf(answer: SubgraphAnswer): GatewayGraphQLResponse {
  if (answer.status < 200 || answer.status >= 300) throw new SubgraphAnswerError(answer.status);
  const type = answer.headers['content-type'];
  const json = typeof type === 'string' && (type.startsWith('application/json') || type.startsWith('application/graphql-response+json'));
  const body: unknown = json ? JSON.parse(answer.body) : answer.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error('the subgraph answered with something other than a JSON object');
  return body as GatewayGraphQLResponse;
}

/**
 * Apollo's data source for one subgraph, as RemoteGraphQLDataSource would do it for the hub's
 * calls (a JSON POST, the answer merged as it is) without its node-fetch Request and Headers
 * per call: the request's stages add their claims, the assertion is signed, the transport sends.
 */
export class HubDataSource implements GraphQLDataSource<HubContext> {
  constructor(
    private readonly subgraph: { name: string; url: string; resource: string | null },
    private readonly signingKey: SigningKey,
    private readonly fetcher: Fetcher,
    private readonly onFetch: SubgraphFetchHook,
  ) {}

  async process({ request, context }: GraphQLDataSourceProcessOptions<HubContext>): Promise<GatewayGraphQLResponse> {
    const hub = (context as Partial<HubContext>).hub;
    if (!hub) throw hubError('FORBIDDEN', `No access to the subgraph "${this.subgraph.name}".`);
    if (!request.query) throw new Error('Missing query');
    const call: SubgraphCall = { subgraph: this.subgraph.name, resource: this.subgraph.resource, query: request.query, claims: {} };
    this.onFetch(hub, call);
    const assertion = await signCallerAssertion(this.signingKey, this.subgraph.name, completeCaller(call.claims), 60);
    const { query, variables, operationName } = request;
    const span = hub.trace.subgraphCall(this.subgraph.name, this.subgraph.resource);
    // The traceparent travels beside the assertion, not inside it (docs/decisions/0024-traces.md).
    const headers: Record<string, string> = { 'content-type': 'application/json', authorization: `Bearer ${assertion}` };
    span.inject(headers);
    let response: GatewayGraphQLResponse;
    let status: number;
    try {
      const answer = await this.fetcher(this.subgraph.url, { headers, body: JSON.stringify({ query, variables, operationName }) });
      status = answer.status;
      response = graphQLAnswerOf(answer);
    } catch (error) {
      span.fail(isOpenCircuit(error) ? 'circuit_open' : failureOf(error));
      this.didEncounterError(error as Error);
    }
    const checked = this.didReceiveResponse(response);
    span.end(status, checked.errors?.some((e) => e.extensions?.['code'] === 'SUBGRAPH_ERROR') ? 'SUBGRAPH_ERROR' : null);
    return checked;
  }

  /**
   * A subgraph that answered with an error of its own making (no code, or an internal one)
   * gets SUBGRAPH_ERROR on that path, so its internal message does not reach the caller.
   */
  private didReceiveResponse(response: GatewayGraphQLResponse): GatewayGraphQLResponse {
    if (response.errors) {
      response.errors = response.errors.map((error) => {
        const code = error.extensions?.['code'];
        if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR') return error;
        return {
          message: `The ${this.named()} failed to produce this field.`,
          ...(error.path ? { path: error.path } : {}),
          extensions: this.extensions('SUBGRAPH_ERROR'),
        };
      });
    }
    return response;
  }

  /**
   * Whatever went wrong with the exchange itself — refused connection, timeout, a 5xx or
   * unreadable answer, an open circuit — costs only this subgraph's fields (R14). Nothing of
   * the failed answer is passed on.
   */
  private didEncounterError(error: Error): never {
    const message = isOpenCircuit(error)
      ? `The ${this.named()} is failing and is not called for a moment; its fields are missing from this response.`
      : `The ${this.named()} did not answer; its fields are missing from this response.`;
    throw hubError('SUBGRAPH_UNAVAILABLE', message, this.extensions('SUBGRAPH_UNAVAILABLE'));
  }

  private named(): string {
    return this.subgraph.resource ? `resource "${this.subgraph.resource}" (subgraph "${this.subgraph.name}")` : `subgraph "${this.subgraph.name}"`;
  }

  private extensions(code: 'SUBGRAPH_UNAVAILABLE' | 'SUBGRAPH_ERROR'): Record<string, unknown> {
    return { ...(this.subgraph.resource ? { resource: this.subgraph.resource } : {}), subgraph: this.subgraph.name, code };
  }
}
