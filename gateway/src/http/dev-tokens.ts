import type { IncomingMessage, ServerResponse } from 'node:http';
import { FIN_PATTERN, sendJson } from '@hub/kit';
import { SUB_FORMAT, SUB_PATTERN } from '../identity/verifier';
import { signDevelopmentToken } from '../identity/keys';
import { ASSURANCE_LEVELS, isAssuranceLevel } from '../identity/assurance';
import { ROLES, type Policies } from '../policy/policies';
import { allowMethods, sendRefusal, type UiRoute } from './pages';
import { DEFAULT_BODY_TIMEOUT_MS, readJsonBody } from './body';
import { Refusal } from '../pipeline/refusal';

/**
 * Development only: the playground mints tokens for any body with the local development keys.
 * The route exists only when the gateway is not in production, and answers only clients on
 * the loopback interface.
 */
const TOKEN_BODY_BYTES = 4096;
const LOOPBACK = /^(?:127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

/** policies: those of the set in force when a token is asked for. */
export function developmentTokenRoute(policies: () => Policies, keysDir: string): UiRoute {
  return async (req, res) => {
    if (!LOOPBACK.test(req.socket.remoteAddress ?? '')) {
      req.resume();
      sendJson(res, 403, { errors: [{ message: 'Development tokens are minted only for clients on this machine.', extensions: { code: 'FORBIDDEN' } }] });
      return;
    }
    await mintDevelopmentToken(req, res, policies(), keysDir);
  };
}

const badInput = (res: ServerResponse, message: string) => sendJson(res, 400, { errors: [{ message, extensions: { code: 'BAD_USER_INPUT' } }] });

/**
 * POST /dev/token {agency, role, sub?, fin?, assurance?}: a token signed with the agency's
 * development key. `assurance` is the sign-in it stands for; `high` when not given, the
 * playground's officer standing for one who signed with the qualified e-signature (a lower
 * level is asked for by name, as the step-up tests do).
 */
async function mintDevelopmentToken(req: IncomingMessage, res: ServerResponse, policies: Policies, keysDir: string): Promise<void> {
  if (!allowMethods(req, res, ['POST'])) return;
  let body: Record<string, unknown>;
  try {
    const parsed = await readJsonBody(req, { maxBytes: TOKEN_BODY_BYTES, timeoutMs: DEFAULT_BODY_TIMEOUT_MS });
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      return badInput(res, 'The body must be a JSON object {agency, role, sub?, fin?}.');
    body = parsed as Record<string, unknown>;
  } catch (error) {
    if (!(error instanceof Refusal)) throw error;
    return sendRefusal(res, error);
  }
  const { agency, role, sub, fin, assurance = 'high' } = body;
  if (typeof agency !== 'string' || !policies.agencies.has(agency))
    return badInput(res, `"agency" must be one of ${[...policies.agencies.keys()].join(', ')}.`);
  if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) return badInput(res, `"role" must be one of ${ROLES.join(', ')}.`);
  if (sub !== undefined && sub !== '' && (typeof sub !== 'string' || !SUB_PATTERN.test(sub))) return badInput(res, `"sub" must be ${SUB_FORMAT}.`);
  if (fin !== undefined && fin !== '' && (typeof fin !== 'string' || !FIN_PATTERN.test(fin)))
    return badInput(res, '"fin" must be a FİN: 7 digits or capital Latin letters except I, O and Q.');
  if (!isAssuranceLevel(assurance)) return badInput(res, `"assurance" must be one of ${ASSURANCE_LEVELS.join(', ')}.`);
  const token = await signDevelopmentToken(keysDir, policies.identity, {
    agency,
    assurance,
    roles: [role as (typeof ROLES)[number]],
    ...(typeof sub === 'string' && sub !== '' ? { sub } : {}),
    ...(typeof fin === 'string' && fin !== '' ? { fin } : {}),
  });
  sendJson(res, 200, { token }, { 'cache-control': 'no-store' });
}
