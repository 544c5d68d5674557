import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { demoSignInPeople, startDemoProvider, type DemoProvider } from '../src/dev/demo-provider';

interface ProviderEntry {
  issuer: string;
  clientId: string;
  clientSecretFile: string;
}

/** The national provider's entry in a policies directory: where a test points it. */
export function nationalProvider(policiesDir: string, change?: (entry: ProviderEntry) => void): ProviderEntry {
  const path = join(policiesDir, 'identity-providers.json');
  const json = JSON.parse(readFileSync(path, 'utf8')) as { signIn: { national: string; providers: Record<string, ProviderEntry> } };
  const entry = json.signIn.providers[json.signIn.national]!;
  if (change) {
    change(entry);
    writeFileSync(path, JSON.stringify(json, null, 2));
  }
  return entry;
}

/**
 * A production gateway in a test: production stops on a sign-in provider it cannot discover, so
 * the demo provider runs on loopback in ASAN Login's place, named in `policiesDir` (a copy of
 * the repository's, changed in place), with the gateway's client secret in `keysDir`.
 */
export async function localSignIn(
  policiesDir: string,
  keysDir: string,
  publicUrl = 'http://127.0.0.1:1',
): Promise<{ provider: DemoProvider; env: { HUB_PUBLIC_URL: string } }> {
  const secret = randomBytes(32).toString('base64url');
  const entry = nationalProvider(policiesDir);
  const provider = await startDemoProvider({
    clients: [
      {
        client_id: entry.clientId,
        client_secret: secret,
        redirect_uris: [`${publicUrl}/auth/callback`],
        post_logout_redirect_uris: [`${publicUrl}/`],
        backchannel_logout_uri: `${publicUrl}/auth/backchannel-logout`,
      },
    ],
    people: demoSignInPeople(),
  });
  nationalProvider(policiesDir, (e) => {
    e.issuer = provider.issuer;
  });
  const secretPath = join(keysDir, entry.clientSecretFile);
  mkdirSync(dirname(secretPath), { recursive: true });
  writeFileSync(secretPath, secret, { mode: 0o600 });
  return { provider, env: { HUB_PUBLIC_URL: publicUrl } };
}

/** A loopback port nothing listens on now: taken from the system, then let go. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
