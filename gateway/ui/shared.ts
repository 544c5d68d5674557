import i18next from 'i18next';
import type { UiConfig } from '../src/http/pages';

/**
 * What the pages share: the configuration the gateway injects, the session endpoints and a
 * plain GraphQL call. A person's session is the gateway's cookie; a development token lives in
 * memory only: nothing about the officer, the token or the queries is written to the
 * workstation's storage.
 */
export type { UiConfig };

export function readConfig(): UiConfig {
  const element = document.getElementById('hub-config');
  const config = JSON.parse(element?.textContent ?? '{}') as UiConfig;
  // GraphiQL's dialogs add <style> elements for scroll locking; they read this global for the CSP nonce.
  (globalThis as { __webpack_nonce__?: string }).__webpack_nonce__ = config.nonce;
  return config;
}

export interface Claims {
  agency: string;
  sub: string;
  roles: string[];
  fin: string | null;
}

/**
 * Who the page's requests run as. A person signed in through a provider: the session cookie
 * carries it and the page holds no token (`token` null). In development only, a minted token sent
 * as a machine client sends it.
 */
export interface Session {
  token: string | null;
  claims: Claims;
}

/** For display only: the gateway verifies the token on every request. */
export function claimsOf(token: string): Claims | null {
  try {
    const payload = token.split('.')[1] ?? '';
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = Uint8Array.from(json, (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes)) as Partial<Claims>;
    return {
      agency: String(claims.agency ?? '?'),
      sub: String(claims.sub ?? '?'),
      roles: Array.isArray(claims.roles) ? claims.roles.map(String) : [],
      fin: typeof claims.fin === 'string' ? claims.fin : null,
    };
  } catch {
    return null;
  }
}

/** The person signed in through a provider, as the gateway's session says (GET /auth/session); null when nobody is. */
export async function currentSession(): Promise<Session | null> {
  const response = await fetch('/auth/session', { headers: { accept: 'application/json' } });
  const body = (await readJson(response)) as { signedIn?: boolean; sub?: unknown; agency?: unknown; roles?: unknown; fin?: unknown } | null;
  if (!response.ok || body?.signedIn !== true) return null;
  return {
    token: null,
    claims: {
      agency: String(body.agency),
      sub: String(body.sub),
      roles: Array.isArray(body.roles) ? body.roles.map(String) : [],
      fin: typeof body.fin === 'string' ? body.fin : null,
    },
  };
}

/** Where a sign-in starts: the gateway sends the browser to the provider and back to this page. */
export function signInHref(options: { provider?: string; acr?: string } = {}): string {
  const query = new URLSearchParams({ next: `${location.pathname}${location.search}` });
  if (options.provider) query.set('provider', options.provider);
  if (options.acr) query.set('acr', options.acr);
  return `/auth/sign-in?${query.toString()}`;
}

/** Ends the hub's session (journaled); `redirect` is the provider's end-session page, which ends the provider's too. */
export async function signOutOfProvider(): Promise<{ ok: boolean; registrationNumber: string | null; redirect: string | null; message: string }> {
  const response = await fetch('/auth/sign-out', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  const body = (await readJson(response)) as { registrationNumber?: string; redirect?: string } | null;
  return {
    ok: response.ok,
    registrationNumber: body?.registrationNumber ?? response.headers.get('x-registration-number'),
    redirect: response.ok && typeof body?.redirect === 'string' ? body.redirect : null,
    message: response.ok ? '' : errorText(body, response.status),
  };
}

/** The level a refusal asks the person to sign in at (STEP_UP_REQUIRED), if it is one. */
export function stepUpLevel(body: unknown): string | null {
  const first = (body as { errors?: Array<{ extensions?: { code?: string; requiredAssurance?: unknown } }> } | null)?.errors?.[0];
  const level = first?.extensions?.requiredAssurance;
  return first?.extensions?.code === 'STEP_UP_REQUIRED' && typeof level === 'string' ? level : null;
}

interface ErrorBody {
  errors?: Array<{ message?: string; extensions?: { code?: string } }>;
}

export function errorText(body: unknown, status: number): string {
  const first = (body as ErrorBody | null)?.errors?.[0];
  if (!first) return i18next.t('common.httpError', { status });
  const code = first.extensions?.code ?? 'unknown';
  const explanation = i18next.exists(`code.${code}`) ? i18next.t(`code.${code}`) : i18next.t('code.unknown');
  // The hub's own message names the detail (which purpose, which limit): shown after the explanation.
  return `${i18next.t('common.error', { explanation, code })}${first.message ? ` — ${first.message}` : ''}`;
}

async function readJson(response: Response): Promise<unknown> {
  try {
    return await response.json();
  } catch {
    return null;
  }
}

/** A development token's sign-in and sign-out are journaled by the gateway (6.9.1.4); sign-in also checks the token. */
export async function sessionEvent(event: 'sign-in' | 'sign-out', token: string): Promise<{ ok: boolean; registrationNumber: string | null; message: string }> {
  const response = await fetch(`/session/${event}`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, credentials: 'omit' });
  const body = await readJson(response);
  return { ok: response.ok, registrationNumber: response.headers.get('x-registration-number'), message: response.ok ? '' : errorText(body, response.status) };
}

export async function mintToken(request: { agency: string; role: string; sub?: string; fin?: string }): Promise<string> {
  const response = await fetch('/dev/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request),
    credentials: 'omit',
  });
  const body = (await readJson(response)) as { token?: string } | null;
  if (!response.ok || !body?.token) throw new Error(errorText(body, response.status));
  return body.token;
}

export interface CallHeaders {
  token: string | null;
  purpose: string;
  caseNumber: string;
}

export function requestHeaders({ token, purpose, caseNumber }: CallHeaders): Record<string, string> {
  // An HTTP header carries Latin-1 only; the browser would refuse the request with a less helpful message.
  if (!/^[\u0020-\u00ff]*$/.test(caseNumber)) throw new Error(i18next.t('common.caseNumberLatin'));
  return {
    'content-type': 'application/json',
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...(purpose ? { 'x-purpose': purpose } : {}),
    ...(caseNumber.trim() ? { 'x-case-number': caseNumber.trim() } : {}),
  };
}

export interface GraphQLReply<T> {
  status: number;
  registrationNumber: string | null;
  body: { data?: T | null; errors?: ErrorBody['errors']; extensions?: { registrationNumber?: string } } | null;
}

export async function graphql<T>(headers: CallHeaders, query: string, variables: Record<string, unknown>): Promise<GraphQLReply<T>> {
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: requestHeaders(headers),
    body: JSON.stringify({ query, variables }),
  });
  const body = (await readJson(response)) as GraphQLReply<T>['body'];
  return { status: response.status, registrationNumber: response.headers.get('x-registration-number') ?? body?.extensions?.registrationNumber ?? null, body };
}

/** The purposes the signed-in body may claim in these roles (purposes.json binds each to bodies). */
export function purposesFor(config: UiConfig, session: { agency: string; roles: string[] } | null): UiConfig['purposes'] {
  if (!session) return config.purposes;
  const allowed = new Set(session.roles.flatMap((role) => config.rolePurposes[role] ?? []));
  return config.purposes.filter((p) => allowed.has(p.code) && p.bodies.includes(session.agency));
}
