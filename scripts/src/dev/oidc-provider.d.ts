/**
 * The part of oidc-provider 9 the demo provider uses: the package ships no types and
 * @types/oidc-provider follows another major version.
 */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export interface ClientMetadata {
    client_id: string;
    client_secret: string;
    redirect_uris: string[];
    post_logout_redirect_uris?: string[];
    backchannel_logout_uri?: string;
    backchannel_logout_session_required: boolean;
    grant_types: string[];
    response_types: string[];
    id_token_signed_response_alg: string;
  }

  export interface Session {
    jti: string;
    accountId?: string;
    acr?: string;
    authorizations?: Record<string, { sid?: string; grantId?: string }>;
    grantIdFor(clientId: string): string | undefined;
    destroy(): Promise<void>;
  }

  export interface Grant {
    addOIDCScope(scope: string): void;
    addOIDCClaims(claims: string[]): void;
    save(): Promise<string>;
  }

  export interface Client {
    clientId: string;
    backchannelLogoutUri?: string;
    backchannelLogout(sub: string, sid: string): Promise<void>;
  }

  export interface KoaContextWithOIDC {
    body: unknown;
    oidc: {
      params?: Record<string, unknown>;
      session?: Session;
      client?: Client;
      result?: { consent?: { grantId?: string } };
      provider: Provider;
    };
  }

  export interface Account {
    accountId: string;
    claims(): Record<string, unknown>;
  }

  export interface Configuration {
    clients: ClientMetadata[];
    jwks: { keys: object[] };
    cookies: { keys: string[] };
    acrValues: string[];
    scopes: string[];
    claims: Record<string, string[] | null>;
    conformIdTokenClaims: boolean;
    pkce: { required(ctx: KoaContextWithOIDC, client: Client): boolean };
    interactions: { policy: interactionPolicy.DefaultPolicy; url(ctx: KoaContextWithOIDC, interaction: { uid: string }): string };
    features: {
      devInteractions: { enabled: boolean };
      backchannelLogout: { enabled: boolean };
      rpInitiatedLogout: { enabled: boolean; logoutSource(ctx: KoaContextWithOIDC, form: string): void | Promise<void> };
    };
    loadExistingGrant(ctx: KoaContextWithOIDC): Promise<Grant | undefined>;
    fetch(url: string, init: RequestInit & { dispatcher?: unknown }): Promise<Response>;
    findAccount(ctx: KoaContextWithOIDC, sub: string): Account | undefined | Promise<Account | undefined>;
  }

  export interface InteractionResults {
    login: { accountId: string; acr: string };
  }

  export default class Provider {
    constructor(issuer: string, configuration: Configuration);
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    on(event: 'session.saved', listener: (session: Session) => void): this;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<{ uid: string; prompt: { name: string } }>;
    interactionFinished(req: IncomingMessage, res: ServerResponse, result: InteractionResults, options: { mergeWithLastSubmission: boolean }): Promise<void>;
    Session: { find(id: string): Promise<Session | undefined> };
    Client: { find(id: string): Promise<Client | undefined> };
    Grant: { new (properties: { clientId: string; accountId: string }): Grant; find(id: string): Promise<Grant | undefined> };
  }

  export namespace interactionPolicy {
    class Check {
      static REQUEST_PROMPT: boolean;
      static NO_NEED_TO_PROMPT: boolean;
      constructor(reason: string, description: string, check: (ctx: KoaContextWithOIDC) => boolean);
    }
    interface Prompt {
      checks: { add(check: Check): void };
    }
    interface DefaultPolicy {
      get(name: string): Prompt | undefined;
    }
    function base(): DefaultPolicy;
  }
}
