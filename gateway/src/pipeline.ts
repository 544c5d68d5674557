import type { IncomingMessage } from 'node:http';
import { print } from 'graphql';
import { parseGraphQLBody } from '@hub/kit';
import { refuseIntrospection, type AccessPolicy } from './access';
import type { HubRequest } from './context';
import { checkPurpose, type IdentityVerifier } from './identity';
import { readRequestBody, selectOperation } from './operation';
import { enforceLimits, enforceTokenLimit, limitsFor, type LimitsPolicy } from './limits';
import { levelsFor, type Policies } from './policies';
import type { Quotas } from './quotas';
import { refuseWrites } from './read-only';
import { Refusal } from './refusal';

/**
 * The rules every request passes before anything is planned, in this order. Each stage is
 * one concern in its own module and either records what it learnt on the HubRequest or
 * throws a Refusal. Audit wraps the whole pipeline (server.ts): refused or not, every
 * request is journaled.
 */
export interface PipelineDeps {
  policies: Policies;
  identity: IdentityVerifier;
  access: AccessPolicy;
  limits: LimitsPolicy;
  quotas: Quotas;
  production: boolean;
}

/** What is left to execute once every rule has had its say. */
export interface Executable {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
}

export async function runPipeline(hub: HubRequest, req: IncomingMessage, deps: PipelineDeps): Promise<Executable | null> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const body = await parseGraphQLBody(req, deps.limits.requestBodyBytes).catch((error: unknown) => rethrowAsRefusal(error, req, deps.limits.requestBodyBytes));

  // 1. Identity (R13): a verified token of a known agency, then the stated purpose.
  hub.identity = await deps.identity.verify(req.headers.authorization);
  hub.purpose = checkPurpose(deps.policies, hub.identity, header(req, 'x-purpose'), header(req, 'x-case-number'));

  // 2. Quotas (R7): requests per minute per agency and caller, records per day, key walking.
  await deps.quotas.admit(hub.identity);

  // 3. One operation per request; a document over the token limit is not even parsed (R7).
  const request = readRequestBody(req.method ?? 'GET', body, url.searchParams);
  const limits = limitsFor(deps.limits.byRole, hub.identity.roles);
  hub.searchLimit = limits.searchResults;
  enforceTokenLimit(request.query, limits);
  const selected = selectOperation(request);
  hub.operationType = selected.type;
  hub.operationName = selected.operationName;

  // 4. Read-only (R1).
  refuseWrites(selected);

  // 5. Operation limits (R7): depth, aliases, directives, root fields, page size, cost.
  enforceLimits(deps.access.schema, selected.document, selected.operation, request.variables, limits);

  // 6. Access policy (R8): the caller's level per resource; fields at 'none' are cut out.
  hub.levels = levelsFor(deps.policies, hub.identity.agency, hub.identity.roles);
  const decision = deps.access.apply(selected.document, selected.operation, hub.levels);
  hub.forbidden = decision.forbidden;
  hub.requested = decision.requested;
  refuseIntrospection(deps.policies, hub.identity.roles, decision.introspection, deps.production);
  if (!decision.document) return null;
  return {
    query: print(decision.document),
    ...(request.variables ? { variables: request.variables } : {}),
    ...(selected.operationName ? { operationName: selected.operationName } : {}),
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function rethrowAsRefusal(error: unknown, req: IncomingMessage, max: number): never {
  const e = error as { status?: number; code?: string; message?: string };
  if (e.code === 'QUERY_TOO_COMPLEX') {
    // The declared length when there is one; a streamed body is only known to be over the limit.
    const declared = Number(req.headers['content-length']);
    const found = Number.isInteger(declared) && declared > max ? declared : max + 1;
    throw new Refusal('QUERY_TOO_COMPLEX', e.message ?? 'Request body too large.', 413, { limit: 'requestBodyBytes', max, found });
  }
  throw new Refusal('BAD_REQUEST', e.message ?? 'Unreadable request body.', e.status ?? 400);
}
