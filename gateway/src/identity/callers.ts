import type { IncomingMessage } from 'node:http';
import type { Sessions } from '../sign-in/sessions';
import type { Identity, IdentityVerifier } from './verifier';

/**
 * Who is calling, from either source the hub knows: a body's token in the Authorization header
 * (ministry systems), or, without one, a person's session cookie from the hub's own pages
 * (issue 22), CSRF-checked. The identity stage asks this one verifier.
 */
export class CallerVerifier {
  constructor(
    readonly tokens: IdentityVerifier,
    private readonly sessions: Sessions | null,
  ) {}

  async identify(req: IncomingMessage): Promise<Identity> {
    const authorization = req.headers.authorization;
    if (authorization === undefined && this.sessions) {
      const identity = await this.sessions.identify(req);
      if (identity) return identity;
    }
    return this.tokens.verify(authorization);
  }
}
