import type { GraphQLFormattedError } from 'graphql';
import type { Caller } from '@hub/kit';
import type { HubRequest } from './context';
import type { GraphQLRequestBody, SelectedOperation } from '../http/graphql-request';
import type { RegisteredOperation } from '../policy/operation-registry';
import { Refusal } from './refusal';

/**
 * A rule of the hub as one object: every hook of one concern lives together, as in envelop's
 * and Hive Gateway's plugins. The gateway's request path is an ordered list of stages
 * (request-path.ts). Forward hooks run in list order; `onResult` runs in reverse, so an outer
 * stage (the journal, the registration number) sees what every inner stage made of the answer.
 */
export interface Stage {
  readonly name: string;
  /** Names of stages that must stand earlier in the list; checked when the pipeline is built. */
  readonly after?: readonly string[];
  /** Headers and connection only: nothing of the body has been read. */
  onRequest?(hub: HubRequest): void | Promise<void>;
  /** The request body, read and shaped, before the document is parsed. */
  onBody?(hub: HubRequest, body: GraphQLRequestBody): void;
  /** The parsed operation the caller selected; a stage may replace `operation.executable`. */
  onOperation?(hub: HubRequest, operation: SelectedOperation): void | Promise<void>;
  /** Before each subgraph call: add this concern's part of the caller assertion. */
  onSubgraphFetch?(hub: HubRequest, call: SubgraphCall): void;
  /** The answer as it stands; runs for every stage the request entered, refused or not. */
  onResult?(hub: HubRequest, result: HubResult): void | Promise<void>;
  /**
   * Before traffic, once per registered operation: the stage decides it into its own caches, so
   * its requests find the decision made. The same decision a request would make; never a second one.
   */
  warm?(operation: RegisteredOperation): void;
}

export interface SubgraphCall {
  readonly subgraph: string;
  readonly resource: string | null;
  /** The query the plan sends this subgraph: what it serves of the answer (stage records credits shared fields by it). */
  readonly query: string;
  /** The claims the transport signs into this call's assertion; each stage adds its own. */
  readonly claims: Partial<Caller>;
}

export interface HubResponseBody {
  data?: Record<string, unknown> | null;
  errors?: GraphQLFormattedError[];
  extensions?: Record<string, unknown>;
}

/** What the caller will get: stages may add to it or, like the journal, replace it. */
export interface HubResult {
  status: number;
  /** A list only for Set-Cookie, which cannot be joined. */
  headers: Record<string, string | string[]>;
  body: HubResponseBody;
  /** Set when a stage refused the request; null when the operation was executed. */
  refusal: Refusal | null;
}

export function refusalResult(refusal: Refusal): HubResult {
  return {
    status: refusal.httpStatus,
    headers: { ...refusal.headers },
    body: { errors: [{ message: refusal.message, extensions: { ...refusal.extensions, code: refusal.code } }] },
    refusal,
  };
}

/** Replaces whatever the result was (the journal failing, a stage's own failure). */
export function replaceWithRefusal(result: HubResult, refusal: Refusal): void {
  Object.assign(result, refusalResult(refusal));
}

export const INTERNAL_ERROR = () => new Refusal('INTERNAL_SERVER_ERROR', 'Internal server error.', 500);

/**
 * The steps a pipeline runs between its stages' hooks, named when it is built (request-path.ts):
 * reading the body, selecting the operation, executing it. Plain functions of the request.
 */
export interface Steps {
  /** Reads the body (http/body.ts) and shapes it; absent for requests whose body is not a GraphQL request. */
  readBody?(hub: HubRequest): Promise<GraphQLRequestBody>;
  /** Parses and selects the operation from the body (document-cache.ts, http/graphql-request.ts). */
  select?(hub: HubRequest, body: GraphQLRequestBody): SelectedOperation;
  execute(hub: HubRequest, operation: SelectedOperation | null): Promise<HubResult>;
}

/** Any error a stage throws that is not a Refusal is a fault of ours: never shown, always answered. */
export type FaultReporter = (stage: string, error: unknown) => void;

export class Pipeline {
  constructor(
    readonly stages: readonly Stage[],
    private readonly steps: Steps,
    private readonly reportFault: FaultReporter,
  ) {
    checkOrder(stages);
  }

  async run(hub: HubRequest): Promise<HubResult> {
    const state = { entered: 0, current: 'request' };
    let result: HubResult;
    try {
      const work = this.forward(hub, this.steps, state);
      // Cut short, the work may still settle later: nobody is waiting for it any more.
      result = await new Promise<HubResult>((resolve, reject) => {
        hub.whenCut(reject);
        work.then(resolve, reject);
      });
    } catch (error) {
      result = refusalResult(this.asRefusal(state.current, error));
    }
    hub.trace.enter('hub.stages.result');
    for (let i = state.entered - 1; i >= 0; i -= 1) {
      const stage = this.stages[i];
      if (!stage?.onResult) continue;
      try {
        const pending = stage.onResult(hub, result);
        if (pending) await pending;
      } catch (error) {
        replaceWithRefusal(result, this.asRefusal(stage.name, error));
      }
    }
    hub.trace.finish(hub.registrationNumber, hub.entry, hub.auditFailed, result.status);
    return result;
  }

  /** Every forward hook in order, then the executor: what the request becomes unless it is cut short. */
  private async forward(hub: HubRequest, steps: Steps, state: { entered: number; current: string }): Promise<HubResult> {
    hub.trace.enter('hub.stages.checks');
    for (const stage of this.stages) {
      state.entered += 1;
      state.current = stage.name;
      // Awaited only when a hook returns a promise: twenty stages, each await a turn of the microtask queue.
      const pending = stage.onRequest?.(hub);
      if (pending) await pending;
    }
    let operation: SelectedOperation | null = null;
    if (steps.readBody && steps.select) {
      state.current = 'body';
      const body = await steps.readBody(hub);
      for (const stage of this.stages) {
        state.current = stage.name;
        stage.onBody?.(hub, body);
      }
      state.current = 'operation';
      operation = steps.select(hub, body);
      hub.operation = operation;
      for (const stage of this.stages) {
        state.current = stage.name;
        const pending = stage.onOperation?.(hub, operation);
        if (pending) await pending;
      }
    }
    state.current = 'execute';
    hub.trace.enter('hub.execute');
    return steps.execute(hub, operation);
  }

  warm(operation: RegisteredOperation): void {
    for (const stage of this.stages) stage.warm?.(operation);
  }

  subgraphFetch(hub: HubRequest, call: SubgraphCall): void {
    for (const stage of this.stages) stage.onSubgraphFetch?.(hub, call);
  }

  private asRefusal(stage: string, error: unknown): Refusal {
    if (error instanceof Refusal) return error;
    this.reportFault(stage, error);
    return INTERNAL_ERROR();
  }
}

/** A stage listed before one it must follow would silently change what the rules decide. */
export function checkOrder(stages: readonly Stage[]): void {
  const position = new Map(stages.map((s, i) => [s.name, i]));
  if (position.size !== stages.length) throw new Error('pipeline: two stages share a name');
  stages.forEach((stage, i) => {
    for (const earlier of stage.after ?? []) {
      const at = position.get(earlier);
      if (at === undefined) throw new Error(`pipeline: stage "${stage.name}" needs "${earlier}", which is not in the list`);
      if (at > i) throw new Error(`pipeline: stage "${stage.name}" must come after "${earlier}"`);
    }
  });
}
