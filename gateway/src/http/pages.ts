import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { sendJson } from '@hub/kit';
import { ROLES, type Policies } from '../policy/policies';

/**
 * The officers' playground (/playground), the auditors' console (/audit) and a citizen's own
 * page (/me), built by
 * scripts/src/build-ui.ts into dist/ui and served from here. Closed networks have no
 * internet (İAMAS 5.6.6): every asset comes from this gateway and the Content-Security-Policy
 * lets the browser load or contact nothing else. Both pages are plain clients of /graphql.
 */
export interface UiOptions {
  policies: Policies;
  production: boolean;
  /** Development only: the demo persons the playground offers to try. */
  demoPeople: DemoPeople;
}

export type DemoPeople = Array<{ case: string; fin: string; passport: string | null }>;

export type UiRoute = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** What the pages need to know, injected as inert JSON (a non-script type runs nothing, so CSP allows it). */
export interface UiConfig {
  nonce: string;
  agencies: Array<{ code: string; name: string; audit: boolean }>;
  resources: Array<{ name: string; title: string }>;
  purposes: Array<{ code: string; description: string; legalBasis: 'law' | 'consent'; bodies: string[] }>;
  rolePurposes: Record<string, string[]>;
  /** Development only: mint tokens with the local keys; the playground also gets the demo persons to try. */
  development: null | {
    roles: string[];
    people: DemoPeople;
  };
}

const ASSETS = ['playground.js', 'playground.css', 'console.js', 'console.css', 'me.js', 'me.css'];
const ASSET_TYPES: Record<string, string> = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' };
const UI_DIR = join(__dirname, '..', 'ui');

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
  const { policies, production } = options;
  const assets = new Map<string, Asset>();
  const people = production ? [] : options.demoPeople;

  const config = (nonce: string, withPeople: boolean): UiConfig => ({
    nonce,
    agencies: [...policies.agencies.values()].map((a) => ({ code: a.code, name: a.name, audit: a.levels['audit'] !== undefined })),
    resources: [...policies.resources.values()].map((r) => ({ name: r.name, title: r.title })),
    purposes: [...policies.purposes].map(([code, { description, legalBasis, bodies }]) => ({ code, description, legalBasis, bodies: [...bodies] })),
    rolePurposes: Object.fromEntries([...policies.roles].map(([role, p]) => [role, p.purposes])),
    development: production
      ? null
      : {
          roles: [...ROLES],
          people: withPeople ? people : [],
        },
  });

  const page =
    (title: string, bundle: string, withPeople: boolean): UiRoute =>
    async (req, res) => {
      if (!allowMethods(req, res, ['GET', 'HEAD'])) return;
      const nonce = randomBytes(16).toString('base64');
      const json = JSON.stringify(config(nonce, withPeople)).replace(/</g, '\\u003c');
      const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/ui/${bundle}.css">
<script type="application/json" id="hub-config">${json}</script>
<script defer src="/ui/${bundle}.js"></script>
</head>
<body><div id="root"></div></body>
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
    [
      '/',
      async (_req, res) => {
        res.writeHead(302, { location: '/playground', 'cache-control': 'no-store' });
        res.end();
      },
    ],
    ['/playground', page("Officers' playground · data-exchange hub", 'playground', true)],
    // The console shows the journal only: no person's data, not even the demo ones.
    ['/audit', page("Auditors' console · data-exchange hub", 'console', false)],
    // A citizen's own page (R4, R5); in development it offers the demo persons' FİNs to sign in with.
    ['/me', page('My data · data-exchange hub', 'me', true)],
    ...ASSETS.map((name) => [`/ui/${name}`, asset(name)] as [string, UiRoute]),
  ]);
  return routes;
}

function securityHeaders(): Record<string, string> {
  return { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'x-frame-options': 'DENY' };
}

export function allowMethods(req: IncomingMessage, res: ServerResponse, methods: string[]): boolean {
  if (methods.includes(req.method ?? '')) return true;
  req.resume();
  sendJson(res, 405, { errors: [{ message: `Use ${methods.join(' or ')}.`, extensions: { code: 'BAD_REQUEST' } }] }, { allow: methods.join(', ') });
  return false;
}
