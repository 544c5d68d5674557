import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AccessLevel, Role } from '@hub/kit';
import { ASSURANCE_LEVELS, isAssuranceLevel, type AssuranceLevel } from '../identity/assurance';

/**
 * The rules as data (policies/*.json), validated once at start-up: a typo in an agency,
 * resource, level, role or purpose stops the gateway with a message naming it, instead of
 * silently granting or refusing at request time.
 */
export type Level = AccessLevel | 'none';
export const LEVELS: readonly Level[] = ['unlimited', 'restricted', 'none'];
export const ROLES: readonly Role[] = ['system', 'officer', 'auditor', 'citizen'];
const ASYMMETRIC_ALGORITHM = /^(?:(?:ES|RS|PS)(?:256|384|512)|EdDSA|Ed25519)$/;

export interface Agency {
  code: string;
  name: string;
  /** The body's name in Azerbaijani, as the pages show it first. */
  nameAz: string;
  levels: Record<string, AccessLevel>;
}

export interface ResourceBinding {
  name: string;
  subgraph: string;
  title: string;
  titleAz: string;
}

export interface RolePolicy {
  purposes: string[];
  /** Per resource: 'agency' (the body's level), a fixed level, or '*' for the rest. */
  resources: Record<string, Level | 'agency'>;
  introspection: boolean;
  /** 'registered': only the operations registered for the caller's body (policies/operations); 'any': ad-hoc text too. */
  operations: OperationsPolicy;
}

export interface PurposePolicy {
  description: string;
  descriptionAz: string;
  /** The bodies that may claim it (agency codes); any other body's claim is FORBIDDEN. */
  bodies: ReadonlySet<string>;
  /** Where the law names them, the only roles that may claim it; null: any role whose roles.json entry lists it. */
  roles: readonly Role[] | null;
  /** What X-Case-Number must look like under this purpose. */
  caseNumber: { pattern: RegExp; format: string };
  /** Uses under this purpose are left out of a person's view of who used their data (R4, R6). */
  hiddenFromSubject: boolean;
  /** R5: `law` — collection is mandatory by law; `consent` — only persons who consented to the body and purpose. */
  legalBasis: 'law' | 'consent';
}

/** X-Case-Number under a purpose that names no format of its own. */
export const GENERIC_CASE_NUMBER = { pattern: /^[\p{L}\p{N} ./_:-]{1,64}$/u, format: '1 to 64 letters, digits, spaces or . / _ : -' };
export const MAX_CASE_NUMBER_LENGTH = 64;

export type OperationsPolicy = 'registered' | 'any';
/** Ministry systems run what was reviewed for them; people at a keyboard may ask ad-hoc questions. */
const DEFAULT_OPERATIONS: Record<Role, OperationsPolicy> = { system: 'registered', officer: 'any', auditor: 'any', citizen: 'any' };

export interface IdentityProviders {
  audience: string;
  clockToleranceSeconds: number;
  /** Tokens older than this are refused, whatever their exp says. */
  maxTokenAgeSeconds: number;
  algorithms: string[];
  issuerOf(agency: string): string;
  jwksOf(agency: string): string;
}

/** Which claim of a provider's ID token carries each part of the hub's Identity. */
export interface SignInClaims {
  sub: string;
  fin: string;
  agency: string;
  roles: string;
  acr: string;
}

/** A provider people sign in with (OpenID Connect): the gateway is its confidential client. */
export interface SignInProvider {
  name: string;
  title: string;
  titleAz: string;
  issuer: string;
  clientId: string;
  /** Relative to HUB_KEYS_DIR; read at start-up, never part of the policy set. */
  clientSecretFile: string;
  /** The bodies whose people this provider may vouch for: an ID token naming another is refused. */
  bodies: ReadonlySet<string>;
  claims: SignInClaims;
  /** The provider's acr values and the hub's level each stands for; an acr not listed is `low`. */
  acr: ReadonlyMap<string, AssuranceLevel>;
}

export interface SignInPolicy {
  /** The provider in ASAN Login's place: chosen when a sign-in names none. */
  national: string;
  session: { idleTimeoutSeconds: number; absoluteLifetimeSeconds: number };
  providers: ReadonlyMap<string, SignInProvider>;
}

export interface Policies {
  /** People's sign-in (issue 22); null when the file has no signIn section (a hub for systems only). */
  signIn: SignInPolicy | null;
  agencies: Map<string, Agency>;
  resources: Map<string, ResourceBinding>;
  resourceOfSubgraph: Map<string, ResourceBinding>;
  purposes: Map<string, PurposePolicy>;
  roles: Map<Role, RolePolicy>;
  identity: IdentityProviders;
}

export class PolicyError extends Error {}

function read(dir: string, file: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new PolicyError(`policies/${file}: ${(error as Error).message}`);
  }
}

function objectAt(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new PolicyError(`${where} must be an object`);
  return value as Record<string, unknown>;
}

function stringAt(value: unknown, where: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new PolicyError(`${where} must be a non-empty string`);
  return value;
}

/** A non-empty list of known names, each once. */
function listAt(value: unknown, where: string, known: (name: string) => boolean, what: string): Set<string> {
  if (!Array.isArray(value) || value.length === 0) throw new PolicyError(`${where} must list at least one ${what}`);
  const names = new Set<string>();
  for (const name of value) {
    if (typeof name !== 'string' || !known(name)) throw new PolicyError(`${where}: unknown ${what} ${JSON.stringify(name)}`);
    if (names.has(name)) throw new PolicyError(`${where}: ${name} is listed twice`);
    names.add(name);
  }
  return names;
}

/** keysDir fills `${HUB_KEYS_DIR}` in identity-providers.json (development keys live there). */
export function loadPolicies(dir: string, keysDir: string): Policies {
  const resources = new Map<string, ResourceBinding>();
  const owners = new Map<string, string>();
  for (const [name, raw] of Object.entries(objectAt(read(dir, 'resources.json')['resources'], 'resources.json: resources'))) {
    const entry = objectAt(raw, `resources.json: ${name}`);
    resources.set(name, {
      name,
      subgraph: stringAt(entry['subgraph'], `resources.json: ${name}.subgraph`),
      title: stringAt(entry['title'], `resources.json: ${name}.title`),
      titleAz: stringAt(entry['titleAz'], `resources.json: ${name}.titleAz`),
    });
    if (entry['owner'] !== undefined) owners.set(name, stringAt(entry['owner'], `resources.json: ${name}.owner`));
  }
  const resourceOfSubgraph = new Map([...resources.values()].map((r) => [r.subgraph, r]));
  if (resourceOfSubgraph.size !== resources.size) throw new PolicyError('resources.json: two resources name the same subgraph');

  const checkResource = (name: string, where: string) => {
    if (!resources.has(name)) throw new PolicyError(`${where}: unknown resource "${name}" (known: ${[...resources.keys()].join(', ')})`);
  };
  const checkLevel = (level: unknown, where: string, allowed: readonly string[] = LEVELS): void => {
    if (typeof level !== 'string' || !allowed.includes(level))
      throw new PolicyError(`${where}: unknown level ${JSON.stringify(level)} (expected ${allowed.join(', ')})`);
  };

  const agencies = new Map<string, Agency>();
  for (const [code, raw] of Object.entries(objectAt(read(dir, 'access-matrix.json')['agencies'], 'access-matrix.json: agencies'))) {
    const entry = objectAt(raw, `access-matrix.json: ${code}`);
    const levels: Record<string, AccessLevel> = {};
    for (const [resource, level] of Object.entries(objectAt(entry['levels'], `access-matrix.json: ${code}.levels`))) {
      checkResource(resource, `access-matrix.json: ${code}.levels`);
      checkLevel(level, `access-matrix.json: ${code}.levels.${resource}`, ['unlimited', 'restricted']);
      levels[resource] = level as AccessLevel;
    }
    const feeds = entry['feeds'] ?? [];
    if (!Array.isArray(feeds)) throw new PolicyError(`access-matrix.json: ${code}.feeds must be a list of resources`);
    for (const resource of feeds) checkResource(String(resource), `access-matrix.json: ${code}.feeds`);
    agencies.set(code, {
      code,
      name: stringAt(entry['name'], `access-matrix.json: ${code}.name`),
      nameAz: stringAt(entry['nameAz'], `access-matrix.json: ${code}.nameAz`),
      levels,
    });
  }

  for (const [name, owner] of owners) {
    if (!agencies.has(owner)) throw new PolicyError(`resources.json: ${name}.owner: unknown agency "${owner}"`);
  }

  const purposes = new Map<string, PurposePolicy>();
  for (const [code, raw] of Object.entries(objectAt(read(dir, 'purposes.json')['purposes'], 'purposes.json: purposes'))) {
    const entry = objectAt(raw, `purposes.json: ${code}`);
    let caseNumber = GENERIC_CASE_NUMBER;
    if (entry['caseNumber'] !== undefined) {
      const spec = objectAt(entry['caseNumber'], `purposes.json: ${code}.caseNumber`);
      const source = stringAt(spec['pattern'], `purposes.json: ${code}.caseNumber.pattern`);
      if (!source.startsWith('^') || !source.endsWith('$')) throw new PolicyError(`purposes.json: ${code}.caseNumber.pattern must be anchored with ^ and $`);
      let pattern: RegExp;
      try {
        pattern = new RegExp(source, 'u');
      } catch (error) {
        throw new PolicyError(`purposes.json: ${code}.caseNumber.pattern is not a regular expression (${(error as Error).message})`, { cause: error });
      }
      caseNumber = { pattern, format: stringAt(spec['format'], `purposes.json: ${code}.caseNumber.format`) };
    }
    const hidden = entry['hiddenFromSubject'] ?? false;
    if (typeof hidden !== 'boolean') throw new PolicyError(`purposes.json: ${code}.hiddenFromSubject must be true or false`);
    const legalBasis = entry['legalBasis'];
    if (legalBasis !== 'law' && legalBasis !== 'consent') throw new PolicyError(`purposes.json: ${code}.legalBasis must be "law" or "consent" (R5)`);
    purposes.set(code, {
      description: stringAt(entry['description'], `purposes.json: ${code}.description`),
      descriptionAz: stringAt(entry['descriptionAz'], `purposes.json: ${code}.descriptionAz`),
      bodies: listAt(entry['bodies'], `purposes.json: ${code}.bodies`, (body) => agencies.has(body), 'agency'),
      roles:
        entry['roles'] === undefined ? null : ([...listAt(entry['roles'], `purposes.json: ${code}.roles`, (r) => ROLES.includes(r as Role), 'role')] as Role[]),
      caseNumber,
      hiddenFromSubject: hidden,
      legalBasis,
    });
    // Where the bodies come from, for the reader (docs/access-matrix.md): required, read by no rule.
    stringAt(entry['source'], `purposes.json: ${code}.source`);
  }

  const roles = new Map<Role, RolePolicy>();
  for (const [role, raw] of Object.entries(objectAt(read(dir, 'roles.json')['roles'], 'roles.json: roles'))) {
    if (!ROLES.includes(role as Role)) throw new PolicyError(`roles.json: unknown role "${role}" (expected ${ROLES.join(', ')})`);
    const entry = objectAt(raw, `roles.json: ${role}`);
    const rolePurposes = entry['purposes'];
    if (!Array.isArray(rolePurposes) || rolePurposes.length === 0) throw new PolicyError(`roles.json: ${role}.purposes must list purposes`);
    for (const p of rolePurposes) {
      const purpose = purposes.get(p as string);
      if (!purpose) throw new PolicyError(`roles.json: ${role}.purposes: unknown purpose "${String(p)}"`);
      if (purpose.roles && !purpose.roles.includes(role as Role))
        throw new PolicyError(
          `roles.json: role "${role}" lists the purpose "${String(p)}", which purposes.json gives only to the roles ${purpose.roles.join(', ')}`,
        );
    }
    const grants = objectAt(entry['resources'], `roles.json: ${role}.resources`);
    for (const [resource, level] of Object.entries(grants)) {
      if (resource !== '*') checkResource(resource, `roles.json: ${role}.resources`);
      checkLevel(level, `roles.json: ${role}.resources.${resource}`, [...LEVELS, 'agency']);
    }
    const operations = entry['operations'] ?? DEFAULT_OPERATIONS[role as Role];
    if (operations !== 'registered' && operations !== 'any')
      throw new PolicyError(`roles.json: ${role}.operations: expected "registered" or "any", not ${JSON.stringify(operations)}`);
    roles.set(role as Role, {
      purposes: rolePurposes as string[],
      resources: grants as RolePolicy['resources'],
      introspection: entry['introspection'] === true,
      operations,
    });
  }
  for (const role of ROLES) if (!roles.has(role)) throw new PolicyError(`roles.json: role "${role}" is not defined`);

  const idp = read(dir, 'identity-providers.json');
  const defaults = objectAt(idp['defaults'], 'identity-providers.json: defaults');
  const overrides = objectAt(idp['overrides'] ?? {}, 'identity-providers.json: overrides');
  for (const code of Object.keys(overrides)) if (!agencies.has(code)) throw new PolicyError(`identity-providers.json: overrides: unknown agency "${code}"`);
  const fill = (template: string, agency: string) => template.replaceAll('{agency}', agency).replaceAll('${HUB_KEYS_DIR}', keysDir);
  const algorithms = idp['algorithms'];
  if (!Array.isArray(algorithms) || algorithms.length === 0)
    throw new PolicyError('identity-providers.json: algorithms must list the accepted signature algorithms');
  // Only the agency may hold its signing key (R13): no HMAC secret shared with the gateway, no "none".
  const rejected = algorithms.find((a) => typeof a !== 'string' || !ASYMMETRIC_ALGORITHM.test(a));
  if (rejected !== undefined) {
    throw new PolicyError(
      `identity-providers.json: algorithms: ${JSON.stringify(rejected)} is not an asymmetric signature algorithm (e.g. EdDSA, ES256, RS256, PS256)`,
    );
  }
  const tolerance = idp['clockToleranceSeconds'];
  if (typeof tolerance !== 'number' || tolerance < 0 || tolerance > 300) throw new PolicyError('identity-providers.json: clockToleranceSeconds must be 0..300');
  const setting = (agency: string, key: 'issuer' | 'jwks') => {
    const override = overrides[agency] as Record<string, unknown> | undefined;
    return fill(stringAt(override?.[key] ?? defaults[key], `identity-providers.json: ${key}`), agency);
  };

  const maxAge = idp['maxTokenAgeSeconds'];
  if (typeof maxAge !== 'number' || !Number.isInteger(maxAge) || maxAge < 60 || maxAge > 7 * 86_400) {
    throw new PolicyError('identity-providers.json: maxTokenAgeSeconds must be an integer from 60 to 604800');
  }

  const policies: Policies = {
    signIn: idp['signIn'] === undefined ? null : signInPolicy(idp['signIn'], agencies),
    agencies,
    resources,
    resourceOfSubgraph,
    purposes,
    roles,
    identity: {
      audience: stringAt(idp['audience'], 'identity-providers.json: audience'),
      clockToleranceSeconds: tolerance,
      maxTokenAgeSeconds: maxAge,
      algorithms: algorithms as string[],
      issuerOf: (agency) => setting(agency, 'issuer'),
      jwksOf: (agency) => setting(agency, 'jwks'),
    },
  };
  checkPurposeBodies(policies);
  return policies;
}

const SIGN_IN_CLAIMS: ReadonlyArray<keyof SignInClaims> = ['sub', 'fin', 'agency', 'roles', 'acr'];
const PROVIDER_NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;

/** The signIn section of identity-providers.json: every error names the provider and the field. */
function signInPolicy(raw: unknown, agencies: ReadonlyMap<string, Agency>): SignInPolicy {
  const where = 'identity-providers.json: signIn';
  const section = objectAt(raw, where);
  const session = objectAt(section['session'], `${where}.session`);
  const seconds = (key: string, min: number, max: number) => {
    const value = session[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
      throw new PolicyError(`${where}.session.${key} must be an integer from ${min} to ${max}`);
    return value;
  };
  const idleTimeoutSeconds = seconds('idleTimeoutSeconds', 60, 86_400);
  const absoluteLifetimeSeconds = seconds('absoluteLifetimeSeconds', 300, 7 * 86_400);
  if (idleTimeoutSeconds > absoluteLifetimeSeconds) throw new PolicyError(`${where}.session: idleTimeoutSeconds is longer than absoluteLifetimeSeconds`);
  const providers = new Map<string, SignInProvider>();
  for (const [name, value] of Object.entries(objectAt(section['providers'], `${where}.providers`))) {
    const at = `${where}.providers.${name}`;
    if (!PROVIDER_NAME.test(name)) throw new PolicyError(`${at}: a provider's name is 1 to 32 lower-case letters, digits or -`);
    const entry = objectAt(value, at);
    const issuer = stringAt(entry['issuer'], `${at}.issuer`);
    let url: URL;
    try {
      url = new URL(issuer);
    } catch {
      throw new PolicyError(`${at}.issuer is not a URL`);
    }
    if (url.protocol !== 'https:' && !['localhost', '127.0.0.1', '[::1]'].includes(url.hostname))
      throw new PolicyError(`${at}.issuer must be an https:// URL (http:// only on loopback, for the demo)`);
    const secretFile = stringAt(entry['clientSecretFile'], `${at}.clientSecretFile`);
    if (secretFile.startsWith('/') || secretFile.split(/[\\/]/).includes('..'))
      throw new PolicyError(`${at}.clientSecretFile must be a path inside HUB_KEYS_DIR`);
    const claimsEntry = objectAt(entry['claims'], `${at}.claims`);
    const claims = Object.fromEntries(SIGN_IN_CLAIMS.map((claim) => [claim, stringAt(claimsEntry[claim], `${at}.claims.${claim}`)])) as unknown as SignInClaims;
    const acr = new Map<string, AssuranceLevel>();
    for (const [value, level] of Object.entries(objectAt(entry['acr'], `${at}.acr`))) {
      if (!isAssuranceLevel(level))
        throw new PolicyError(`${at}.acr.${value}: unknown level ${JSON.stringify(level)} (expected ${ASSURANCE_LEVELS.join(', ')})`);
      acr.set(value, level);
    }
    providers.set(name, {
      name,
      title: stringAt(entry['title'], `${at}.title`),
      titleAz: stringAt(entry['titleAz'], `${at}.titleAz`),
      issuer,
      clientId: stringAt(entry['clientId'], `${at}.clientId`),
      clientSecretFile: secretFile,
      bodies: listAt(entry['bodies'], `${at}.bodies`, (body) => agencies.has(body), 'agency'),
      claims,
      acr,
    });
  }
  const national = stringAt(section['national'], `${where}.national`);
  if (!providers.has(national)) throw new PolicyError(`${where}.national: no provider named "${national}" (known: ${[...providers.keys()].join(', ')})`);
  return { national, session: { idleTimeoutSeconds, absoluteLifetimeSeconds }, providers };
}

/**
 * The purpose table against roles.json and the matrix: a purpose no role lists could never be
 * claimed, and a body with access levels but no purpose it may claim could never use them.
 */
function checkPurposeBodies(policies: Policies): void {
  for (const code of policies.purposes.keys()) {
    if (!ROLES.some((role) => policies.roles.get(role)?.purposes.includes(code)))
      throw new PolicyError(`purposes.json: ${code}: no role in roles.json lists it`);
  }
  for (const agency of policies.agencies.values()) {
    if (Object.keys(agency.levels).length > 0 && purposesFor(policies, agency.code, ROLES).length === 0)
      throw new PolicyError(`access-matrix.json: ${agency.code} has access levels, but purposes.json names it for no purpose, so it could never use them`);
  }
}

/** The purposes a caller of this body in these roles may claim, in the order of purposes.json. */
export function purposesFor(policies: Policies, agency: string, roles: readonly Role[]): string[] {
  return [...policies.purposes]
    .filter(([code, purpose]) => purpose.bodies.has(agency) && roles.some((role) => policies.roles.get(role)?.purposes.includes(code)))
    .map(([code]) => code);
}

/**
 * The caller's level for each resource: the body's level from the matrix, narrowed (or, for
 * a citizen, granted) by the role's policy. Resources at 'none' are absent.
 */
export function levelsFor(policies: Policies, agency: string, roles: readonly Role[]): Map<string, AccessLevel> {
  const body = policies.agencies.get(agency);
  const levels = new Map<string, AccessLevel>();
  const rank = { none: 0, restricted: 1, unlimited: 2 } as const;
  for (const resource of policies.resources.keys()) {
    let best: Level = 'none';
    for (const role of roles) {
      const policy = policies.roles.get(role);
      if (!policy) continue;
      const grant = policy.resources[resource] ?? policy.resources['*'] ?? 'none';
      const level: Level = grant === 'agency' ? (body?.levels[resource] ?? 'none') : grant;
      if (rank[level] > rank[best]) best = level;
    }
    if (best !== 'none') levels.set(resource, best);
  }
  return levels;
}

/** Ad-hoc text when one of the caller's roles allows it; otherwise only registered operations. */
export function mayRunAdHoc(policies: Policies, roles: readonly Role[]): boolean {
  return roles.some((role) => policies.roles.get(role)?.operations === 'any');
}

/** Introspection in production only for roles the policy lets introspect (roles.json); in development everyone may. */
export function mayIntrospect(policies: Policies, roles: readonly Role[], production: boolean): boolean {
  return !production || roles.some((role) => policies.roles.get(role)?.introspection);
}
