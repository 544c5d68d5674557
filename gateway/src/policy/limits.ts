import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Role } from '@hub/kit';
import { LIMIT_NAMES, type OperationLimits } from './operation-limits';
import { PolicyError, ROLES } from './policies';

/**
 * policies/limits.json, validated at start-up: the operation limits per role, the request
 * body's size and the quotas (R7). A value out of range stops the gateway naming it.
 */
export interface QuotaPolicy {
  requestsPerMinutePerAgency: number;
  requestsPerMinutePerSub: number;
  recordsPerDayPerAgency: number;
  /** Requests that fail authentication, per client address and minute, before the address is refused outright. */
  unauthenticatedPerMinutePerAddress: number;
  enumeration: { windowSeconds: number; missesBeforeSlowdown: number; missesBeforeRefusal: number; slowdownMs: number };
}

export interface LimitsPolicy {
  requestBodyBytes: number;
  byRole: Map<Role, OperationLimits>;
  quotas: QuotaPolicy;
}

/** The most any subgraph serves in one page; a policy may lower it, never raise it. */
export const SUBGRAPH_PAGE_CEILING = 50;

function positive(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new PolicyError(`limits.json: ${where} must be a positive integer`);
  return value;
}

type Json = Record<string, unknown>;

function objectAt(value: unknown, where: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new PolicyError(`${where} must be an object`);
  return value as Json;
}

export function loadLimitsPolicy(dir: string): LimitsPolicy {
  let raw: Json;
  try {
    raw = objectAt(JSON.parse(readFileSync(join(dir, 'limits.json'), 'utf8')), 'limits.json');
  } catch (error) {
    throw new PolicyError(`policies/limits.json: ${(error as Error).message}`, { cause: error });
  }
  const defaults = objectAt(raw['defaults'] ?? {}, 'limits.json: defaults');
  const byRole = new Map<Role, OperationLimits>();
  for (const [role, value] of Object.entries(objectAt(raw['roles'] ?? {}, 'limits.json: roles'))) {
    if (!ROLES.includes(role as Role)) throw new PolicyError(`limits.json: unknown role "${role}"`);
    const overrides = objectAt(value, `limits.json: roles.${role}`);
    for (const key of Object.keys(overrides))
      if (!LIMIT_NAMES.includes(key as keyof OperationLimits)) throw new PolicyError(`limits.json: roles.${role}: unknown limit "${key}"`);
    const merged: Json = { ...defaults, ...overrides };
    const limits = Object.fromEntries(LIMIT_NAMES.map((name) => [name, positive(merged[name], `roles.${role}.${name}`)])) as unknown as OperationLimits;
    if (limits.pageSize > SUBGRAPH_PAGE_CEILING || limits.searchResults > SUBGRAPH_PAGE_CEILING) {
      throw new PolicyError(`limits.json: roles.${role}: pageSize and searchResults may not exceed ${SUBGRAPH_PAGE_CEILING}`);
    }
    byRole.set(role as Role, limits);
  }
  for (const role of ROLES) if (!byRole.has(role)) throw new PolicyError(`limits.json: no limits for role "${role}"`);
  const q = objectAt(raw['quotas'] ?? {}, 'limits.json: quotas');
  const e = objectAt(q['enumeration'] ?? {}, 'limits.json: quotas.enumeration');
  const quotas: QuotaPolicy = {
    requestsPerMinutePerAgency: positive(q['requestsPerMinutePerAgency'], 'quotas.requestsPerMinutePerAgency'),
    requestsPerMinutePerSub: positive(q['requestsPerMinutePerSub'], 'quotas.requestsPerMinutePerSub'),
    recordsPerDayPerAgency: positive(q['recordsPerDayPerAgency'], 'quotas.recordsPerDayPerAgency'),
    unauthenticatedPerMinutePerAddress: positive(q['unauthenticatedPerMinutePerAddress'], 'quotas.unauthenticatedPerMinutePerAddress'),
    enumeration: {
      windowSeconds: positive(e['windowSeconds'], 'quotas.enumeration.windowSeconds'),
      missesBeforeSlowdown: positive(e['missesBeforeSlowdown'], 'quotas.enumeration.missesBeforeSlowdown'),
      missesBeforeRefusal: positive(e['missesBeforeRefusal'], 'quotas.enumeration.missesBeforeRefusal'),
      slowdownMs: positive(e['slowdownMs'], 'quotas.enumeration.slowdownMs'),
    },
  };
  if (quotas.enumeration.missesBeforeSlowdown >= quotas.enumeration.missesBeforeRefusal) {
    throw new PolicyError('limits.json: quotas.enumeration.missesBeforeSlowdown must be below missesBeforeRefusal');
  }
  return { requestBodyBytes: positive(raw['requestBodyBytes'], 'requestBodyBytes'), byRole, quotas };
}
