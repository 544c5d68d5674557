import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { sendJson } from '@hub/kit';
import { mayRunAdHoc, ROLES, type Policies } from '../policy/policies';
import { wrongMethod } from '../stages/http';
import type { Refusal } from '../pipeline/refusal';
import { refusalResult } from '../pipeline/stage';

/**
 * The officers' playground (/playground), the auditors' console (/audit) and a citizen's own
 * page (/me), built by
 * scripts/src/build-ui.ts into dist/ui and served from here. Closed networks have no
 * internet (İAMAS 5.6.6): every asset comes from this gateway and the Content-Security-Policy
 * lets the browser load or contact nothing else. Both pages are plain clients of /graphql.
 */
export interface UiOptions {
  /** The policies of the set in force, read for each page: a reload changes what the next page offers. */
  policies: () => Policies;
  production: boolean;
  /** Development only: the demo persons the playground offers to try. */
  demoPeople: DemoPeople;
  /** The providers people sign in with, as the gateway discovered them; null when it has none. */
  signIn: UiConfig['signIn'];
}

export type DemoPeople = Array<{ case: string; fin: string; passport: string | null }>;

export type UiRoute = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** What the pages need to know, injected as inert JSON (a non-script type runs nothing, so CSP allows it). */
export interface UiConfig {
  nonce: string;
  /** Names in English (`name`) and Azerbaijani (`nameAz`), from the policies. */
  agencies: Array<{ code: string; name: string; nameAz: string; audit: boolean }>;
  resources: Array<{ code: string; name: string; nameAz: string }>;
  purposes: Array<{ code: string; name: string; nameAz: string; legalBasis: 'law' | 'consent'; bodies: string[] }>;
  rolePurposes: Record<string, string[]>;
  /** Roles that may send query text of their own; the others run only their body's registered operations (R7). */
  adHocRoles: string[];
  /** The providers people sign in with (the gateway's /auth/sign-in), the national one named; null when the hub has none. */
  signIn: null | {
    providers: Array<{ name: string; title: string; titleAz: string }>;
    national: string;
  };
  /** Development only: mint tokens with the local keys (machine clients'); the playground also gets the demo persons to try. */
  development: null | {
    roles: string[];
    people: DemoPeople;
  };
}

/** Azerbaijani first: the page switches its title with its language (gateway/ui/i18n.tsx). */
export const TITLES = {
  playground: 'Əməkdaşların sorğu meydançası',
  console: 'Auditorların konsolu',
  me: 'Məlumat mübadiləsi mərkəzində məlumatlarım',
} as const;

const ASSETS = ['playground.js', 'playground.css', 'console.js', 'console.css', 'me.js', 'me.css'];
const ASSET_TYPES: Record<string, string> = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' };
// dist/src/http → dist/ui, where scripts/src/build-ui.ts puts the bundles.
const UI_DIR = join(__dirname, '..', '..', 'ui');

/**
 * No host but this one, no inline or evaluated script. Styles: our stylesheet, plus the
 * <style> elements GraphiQL's dialogs add for scroll locking, which carry this response's nonce.
 * data: images are CodeMirror's lint markers inside the stylesheet.
 */
export function contentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

interface Asset {
  body: Buffer;
  etag: string;
}

export function uiRoutes(options: UiOptions): Map<string, UiRoute> {
  const { production } = options;
  const assets = new Map<string, Asset>();
  const people = production ? [] : options.demoPeople;

  const config = (nonce: string, withPeople: boolean, policies: Policies): UiConfig => ({
    nonce,
    agencies: [...policies.agencies.values()].map((a) => ({ code: a.code, name: a.name, nameAz: a.nameAz, audit: a.levels['audit'] !== undefined })),
    resources: [...policies.resources.values()].map((r) => ({ code: r.name, name: r.title, nameAz: r.titleAz })),
    purposes: [...policies.purposes].map(([code, p]) => ({
      code,
      name: p.description,
      nameAz: p.descriptionAz,
      legalBasis: p.legalBasis,
      bodies: [...p.bodies],
    })),
    rolePurposes: Object.fromEntries([...policies.roles].map(([role, p]) => [role, p.purposes])),
    adHocRoles: ROLES.filter((role) => mayRunAdHoc(policies, [role])),
    signIn: options.signIn,
    development: production
      ? null
      : {
          roles: [...ROLES],
          people: withPeople ? people : [],
        },
  });

  const page =
    (bundle: 'playground' | 'console' | 'me', withPeople: boolean): UiRoute =>
    async (req, res) => {
      if (!allowMethods(req, res, ['GET', 'HEAD'])) return;
      const nonce = randomBytes(16).toString('base64');
      const json = JSON.stringify(config(nonce, withPeople, options.policies())).replace(/</g, '\\u003c');
      const html = `<!doctype html>
<html lang="az">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${TITLES[bundle]}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/ui/${bundle}.css">
<script type="application/json" id="hub-config">${json}</script>
<script defer src="/ui/${bundle}.js"></script>
</head>
<body data-page="${bundle}"><div id="root"></div></body>
</html>
`;
      res.writeHead(200, {
        ...securityHeaders(),
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': contentSecurityPolicy(nonce),
        'cache-control': 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : html);
    };

  const asset =
    (name: string): UiRoute =>
    async (req, res) => {
      if (!allowMethods(req, res, ['GET', 'HEAD'])) return;
      let file = assets.get(name);
      if (!file) {
        let body: Buffer;
        try {
          body = readFileSync(join(UI_DIR, name));
        } catch {
          sendJson(res, 503, { error: `The playground assets are not built (${name}): run npm run build.` });
          return;
        }
        file = { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
        assets.set(name, file);
      }
      const headers = {
        ...securityHeaders(),
        'content-type': ASSET_TYPES[name.split('.').pop() ?? ''] ?? 'application/octet-stream',
        etag: file.etag,
        'cache-control': 'no-cache',
      };
      if (req.headers['if-none-match'] === file.etag) {
        res.writeHead(304, headers);
        res.end();
        return;
      }
      res.writeHead(200, { ...headers, 'content-length': file.body.length });
      res.end(req.method === 'HEAD' ? undefined : file.body);
    };

  const routes = new Map<string, UiRoute>([
    ['/', async (_req, res) => toPlayground(res)],
    ['/playground', page('playground', true)],
    // The console shows the journal only: no person's data, not even the demo ones.
    ['/audit', page('console', false)],
    // A citizen's own page (R4, R5); in development it offers the demo persons' FİNs to sign in with.
    ['/me', page('me', true)],
    ...ASSETS.map((name) => [`/ui/${name}`, asset(name)] as [string, UiRoute]),
  ]);
  return routes;
}

function toPlayground(res: ServerResponse): void {
  res.writeHead(302, { location: '/playground', 'cache-control': 'no-store' });
  res.end();
}

/**
 * Someone who opens /graphql in a browser (a GET asking for HTML, with nothing in the URL) is
 * sent to the playground rather than shown a bare 405. Anything else keeps its answer: the API
 * stays POST only, and a GET carrying a query is still refused and journaled.
 */
export function browserToPlayground(req: IncomingMessage, res: ServerResponse): boolean {
  const plain = (req.url ?? '').split('?')[1] === undefined;
  if (!plain || (req.method !== 'GET' && req.method !== 'HEAD') || !(req.headers.accept ?? '').includes('text/html')) return false;
  req.resume();
  toPlayground(res);
  return true;
}

function securityHeaders(): Record<string, string> {
  return { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'x-frame-options': 'DENY' };
}

/** Pages read no data and carry no registration number: their method is checked like a pipeline's (stages/http.ts), answered here. */
export function allowMethods(req: IncomingMessage, res: ServerResponse, methods: string[]): boolean {
  const refusal = wrongMethod(req.method, methods);
  if (!refusal) return true;
  req.resume();
  sendRefusal(res, refusal);
  return false;
}

/** A refusal outside the pipelines (pages, development tokens): the same body a stage's would have. */
export function sendRefusal(res: ServerResponse, refusal: Refusal): void {
  sendJson(res, refusal.httpStatus, refusalResult(refusal).body, refusal.headers);
}
