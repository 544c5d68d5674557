import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEMO_POPULATION, demoPeople } from '@hub/kit/synthetic';
import Provider, { interactionPolicy, type ClientMetadata, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';

/**
 * The demo's OpenID provider, standing in for ASAN Login in `npm start` and in tests: oidc-provider
 * (a certified implementation) on loopback, whose sign-in page lists demo people instead of asking
 * for a password or an e-signature. Development only: oidc-provider is a dev dependency, so the
 * production image has none of it.
 */

/** The levels a person may sign in at on the demo page (the hub's AssuranceLevel, less `low`). */
export type DemoLevel = 'substantial' | 'high';
const LEVELS: readonly DemoLevel[] = ['substantial', 'high'];

export interface DemoPerson {
  /** The provider's subject identifier. */
  sub: string;
  name: string;
  nameAz: string;
  /** The body (access-matrix code) and its roles, as the hub's policy maps them from claims. */
  agency: string;
  roles: string[];
  /** A citizen's FİN. */
  fin?: string;
}

export interface DemoClient {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
  post_logout_redirect_uris?: string[];
  backchannel_logout_uri?: string;
}

export interface DemoProviderOptions {
  /** 0 or absent: any free port. */
  port?: number;
  clients: DemoClient[];
  people: DemoPerson[];
  /** The acr value the provider issues for each level (identity-providers.json maps them back). */
  acr?: Record<DemoLevel, string>;
}

export interface DemoProvider {
  issuer: string;
  /** Sends a back-channel logout to every client the person's provider session signed in to, and ends that session; resolves to how many were sent. */
  backchannelLogout(sub: string): Promise<number>;
  stop(): Promise<void>;
}

/** eIDAS' levels of assurance: what a national provider's acr values name. */
export const DEMO_ACR: Record<DemoLevel, string> = {
  substantial: 'http://eidas.europa.eu/LoA/substantial',
  high: 'http://eidas.europa.eu/LoA/high',
};

/** The people the demo's sign-in page offers: officers of several bodies and roles, an auditor, and the demo population's citizens. */
export function demoSignInPeople(): DemoPerson[] {
  const citizens = demoPeople(DEMO_POPULATION).filter((p) => p.case !== 'foreigner');
  return [
    { sub: 'mia-officer-1', name: 'Officer, Ministry of Internal Affairs', nameAz: 'DİN əməkdaşı', agency: 'MIA', roles: ['officer'] },
    { sub: 'sbs-officer-1', name: 'Officer, State Border Service', nameAz: 'DSX əməkdaşı', agency: 'SBS', roles: ['officer'] },
    { sub: 'moj-officer-1', name: 'Officer, Ministry of Justice', nameAz: 'Ədliyyə Nazirliyinin əməkdaşı', agency: 'MOJ', roles: ['officer'] },
    { sub: 'mns-officer-1', name: 'Officer, Ministry of National Security', nameAz: 'MTN əməkdaşı', agency: 'MNS', roles: ['officer'] },
    {
      sub: 'scfwca-officer-1',
      name: 'Officer, State Committee for Family, Women and Children Affairs',
      nameAz: 'AQUPDK əməkdaşı',
      agency: 'SCFWCA',
      roles: ['officer'],
    },
    { sub: 'mia-auditor-1', name: 'Auditor, Ministry of Internal Affairs', nameAz: 'DİN auditoru', agency: 'MIA', roles: ['auditor'] },
    ...citizens.map(({ case: kind, fin }) => ({
      sub: `citizen-${fin}`,
      name: `Citizen ${fin} (${kind})`,
      nameAz: `Vətəndaş ${fin} (${kind})`,
      agency: 'EGOV',
      roles: ['citizen'],
      fin,
    })),
  ];
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!doctype html><html lang="az"><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem}li{margin:.4rem 0}button{margin-left:.4rem}</style></head>
<body><h1>${escape(title)}</h1>${body}</body></html>`;
}

/** A stronger sign-in than the provider session's when the client asks for one (acr_values): the SSO session alone would hand back the weaker acr. */
function stepUpCheck(acr: Record<DemoLevel, string>) {
  const rank = (value: string | undefined) => LEVELS.findIndex((level) => acr[level] === value);
  return new interactionPolicy.Check('acr_values', 'a stronger sign-in is requested', (ctx: KoaContextWithOIDC) => {
    const requested = typeof ctx.oidc.params?.['acr_values'] === 'string' ? ctx.oidc.params['acr_values'].split(' ') : [];
    const needed = Math.min(...requested.map(rank).filter((r) => r >= 0));
    return Number.isFinite(needed) && rank(ctx.oidc.session?.acr) < needed ? interactionPolicy.Check.REQUEST_PROMPT : interactionPolicy.Check.NO_NEED_TO_PROMPT;
  });
}

export async function startDemoProvider(options: DemoProviderOptions): Promise<DemoProvider> {
  const acr = options.acr ?? DEMO_ACR;
  const people = new Map(options.people.map((p) => [p.sub, p]));
  const policy = interactionPolicy.base();
  policy.get('login')!.checks.add(stepUpCheck(acr));
  const signingKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });

  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const configuration: Configuration = {
    // sid in the ID token and the logout token: a back-channel logout names the session it ends.
    clients: options.clients.map((c): ClientMetadata => ({
      ...c,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      id_token_signed_response_alg: 'ES256',
      backchannel_logout_session_required: c.backchannel_logout_uri !== undefined,
    })),
    jwks: { keys: [{ ...signingKey, alg: 'ES256', use: 'sig', kid: 'demo-1' }] as never },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    acrValues: LEVELS.map((level) => acr[level]),
    scopes: ['openid'],
    claims: { acr: null, sid: null, auth_time: null, iss: null, openid: ['sub', 'acr', 'agency', 'roles', 'fin'] },
    // The hub reads the body, roles and FİN from the ID token, not from userinfo.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    interactions: { policy, url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) => {
          ctx.body = page(
            'Çıxış / Sign out',
            `${form}<p>Demo provayderindən də çıxırsınız? / Sign out of the demo provider too?</p><button form="op.logoutForm" name="logout" value="yes" data-testid="provider-sign-out">Çıxış / Sign out</button>`,
          );
        },
      },
    },
    // Demo people have no consent screen: the hub is the provider's own first-party client.
    loadExistingGrant: async (ctx) => {
      const { oidc } = ctx;
      const existing = oidc.result?.consent?.grantId ?? oidc.session?.grantIdFor(oidc.client!.clientId);
      if (existing) return oidc.provider.Grant.find(existing);
      const grant = new oidc.provider.Grant({ clientId: oidc.client!.clientId, accountId: oidc.session!.accountId! });
      grant.addOIDCScope('openid');
      grant.addOIDCClaims(['acr', 'agency', 'roles', 'fin']);
      await grant.save();
      return grant;
    },
    // Its SSRF guard refuses loopback, and the demo's clients are on loopback.
    fetch: (url, { dispatcher: _guard, ...init }) => fetch(url, init),
    findAccount: (_ctx, sub) => {
      const person = people.get(sub);
      if (!person) return undefined;
      return { accountId: sub, claims: () => ({ sub, agency: person.agency, roles: person.roles, ...(person.fin ? { fin: person.fin } : {}) }) };
    },
  };
  const provider = new Provider(issuer, configuration);

  // Which provider session each person holds, for backchannelLogout().
  const sessions = new Map<string, string>();
  provider.on('session.saved', (session: { jti: string; accountId?: string }) => {
    if (session.accountId) sessions.set(session.accountId, session.jti);
  });

  const signInPage = (uid: string) => {
    const rows = options.people
      .map(
        (p) =>
          `<li>${escape(p.nameAz)} — ${escape(p.name)} <small>(${escape(p.agency)}, ${escape(p.roles.join(', '))})</small>` +
          LEVELS.map(
            (level) =>
              `<button name="choice" value="${escape(`${p.sub} ${level}`)}" data-testid="${escape(`sign-in-${p.sub}-${level}`)}">${level === 'high' ? 'Yüksək / High' : 'Əhəmiyyətli / Substantial'}</button>`,
          ).join('') +
          '</li>',
      )
      .join('');
    return page(
      'Demo giriş / Demo sign-in',
      `<p>ASAN Login-in yerinə demo. / A demo in place of ASAN Login.</p><form method="post" action="/interaction/${escape(uid)}"><ul>${rows}</ul></form>`,
    );
  };

  const interaction = async (req: IncomingMessage, res: ServerResponse, uid: string) => {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) throw new Error('interaction mismatch');
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(signInPage(uid));
      return;
    }
    let body = '';
    for await (const chunk of req) body += String(chunk);
    const [sub, level] = (new URLSearchParams(body).get('choice') ?? '').split(' ');
    if (!sub || !people.has(sub) || !LEVELS.includes(level as DemoLevel)) {
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' }).end('unknown person or level');
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: sub, acr: acr[level as DemoLevel] } }, { mergeWithLastSubmission: false });
  };

  const callback = provider.callback();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const match = /^\/interaction\/([\w-]+)$/.exec(new URL(req.url ?? '/', issuer).pathname);
    if (!match) return void callback(req, res);
    interaction(req, res, match[1]!).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' }).end((error as Error).message);
    });
  });

  return {
    issuer,
    async backchannelLogout(sub) {
      const jti = sessions.get(sub);
      const session = jti ? await provider.Session.find(jti) : undefined;
      if (!session) return 0;
      let sent = 0;
      for (const [clientId, { sid }] of Object.entries(session.authorizations ?? {})) {
        const client = await provider.Client.find(clientId);
        if (!client?.backchannelLogoutUri || !sid) continue;
        await client.backchannelLogout(sub, sid);
        sent += 1;
      }
      await session.destroy();
      sessions.delete(sub);
      return sent;
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
