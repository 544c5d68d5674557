import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { demoSignInPeople, startDemoProvider, type DemoLevel, type DemoProvider } from './demo-provider';

interface SignInSection {
  national: string;
  providers: Record<string, { issuer: string; clientId: string; clientSecretFile: string; acr: Record<string, string> }>;
}

export interface DemoSignIn {
  provider: DemoProvider;
  /** The demo's policy set: the committed one, its national provider's issuer the demo provider. */
  policiesDir: string;
}

/**
 * `npm start`'s sign-in: the demo provider in ASAN Login's place, on loopback, with the gateway
 * registered as its client. The client secret goes where the gateway's policy says it reads it
 * (HUB_KEYS_DIR, the demo keys). The committed policy set names the real national issuer, and
 * policies are data the gateway checks as a whole: the demo gets its own copy in `workDir`,
 * differing in that issuer alone (docs/decisions/0022).
 */
export async function startDemoSignIn(options: {
  policiesDir: string;
  keysDir: string;
  publicUrl: string;
  port: number;
  workDir: string;
}): Promise<DemoSignIn> {
  const file = join(options.policiesDir, 'identity-providers.json');
  const identity = JSON.parse(readFileSync(file, 'utf8')) as { signIn?: SignInSection };
  const signIn = identity.signIn;
  const national = signIn?.providers[signIn.national];
  if (!signIn || !national) throw new Error(`${file} has no national sign-in provider for the demo to stand in for`);

  const secretFile = join(options.keysDir, national.clientSecretFile);
  if (!existsSync(secretFile)) {
    mkdirSync(dirname(secretFile), { recursive: true });
    writeFileSync(secretFile, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 });
  }
  // The provider's acr value for each level, as the policy maps them back.
  const acrOf = (level: DemoLevel) => {
    const value = Object.entries(national.acr).find(([, l]) => l === level)?.[0];
    if (!value) throw new Error(`${file}: signIn.providers.${signIn.national}.acr maps no value to ${level}`);
    return value;
  };
  const provider = await startDemoProvider({
    port: options.port,
    people: demoSignInPeople(),
    acr: { substantial: acrOf('substantial'), high: acrOf('high') },
    clients: [
      {
        client_id: national.clientId,
        client_secret: readFileSync(secretFile, 'utf8').trim(),
        redirect_uris: [new URL('/auth/callback', options.publicUrl).href],
        post_logout_redirect_uris: [new URL('/', options.publicUrl).href],
        backchannel_logout_uri: new URL('/auth/backchannel-logout', options.publicUrl).href,
      },
    ],
  });

  const policiesDir = join(options.workDir, 'policies');
  rmSync(policiesDir, { recursive: true, force: true });
  cpSync(options.policiesDir, policiesDir, { recursive: true });
  national.issuer = provider.issuer;
  writeFileSync(join(policiesDir, 'identity-providers.json'), `${JSON.stringify(identity, null, 2)}\n`);
  return { provider, policiesDir };
}
