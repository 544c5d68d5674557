import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { discoverProviders, loadPolicies, type SignInPolicy } from '@hub/gateway';
import { demoSignInPeople, startDemoProvider, type DemoProvider } from '../src/dev/demo-provider';
import { ROOT } from '../src/processes';

/** Discovery at start against the demo provider: production stops naming an inconsistent provider, development leaves it out. */
describe('sign-in providers discovered at start', () => {
  const keysDir = mkdtempSync(join(tmpdir(), 'hub-discovery-keys-'));
  const national = loadPolicies(join(ROOT, 'policies'), keysDir).signIn!;
  const entry = national.providers.get('asan-login')!;
  let provider: DemoProvider;
  before(async () => {
    provider = await startDemoProvider({
      clients: [{ client_id: entry.clientId, client_secret: 'a-secret-of-more-than-16', redirect_uris: ['https://hub.example.gov.az/auth/callback'] }],
      people: demoSignInPeople(),
    });
    mkdirSync(join(keysDir, 'sign-in'));
    writeFileSync(join(keysDir, entry.clientSecretFile), 'a-secret-of-more-than-16\n');
  });
  after(async () => {
    await provider.stop();
    rmSync(keysDir, { recursive: true, force: true });
  });

  const policyWith = (issuer: string, secretFile = entry.clientSecretFile): SignInPolicy => ({
    ...national,
    providers: new Map([['asan-login', { ...entry, issuer, clientSecretFile: secretFile }]]),
  });
  const options = (production: boolean, logged: string[] = []) => ({
    keysDir,
    publicUrl: 'https://hub.example.gov.az',
    production,
    logger: pino({ level: 'warn' }, { write: (line: string) => void logged.push(line) }),
  });

  it('discovers a consistent provider', async () => {
    const providers = await discoverProviders(policyWith(provider.issuer), options(true));
    assert.equal(providers.get('asan-login')?.config.serverMetadata().issuer, provider.issuer);
  });

  it('stops production on a provider whose metadata names another issuer, naming it', async () => {
    // The same server by another name: its metadata says 127.0.0.1.
    const other = provider.issuer.replace('127.0.0.1', 'localhost');
    await assert.rejects(discoverProviders(policyWith(other), options(true)), /signIn\.providers\.asan-login \(http:\/\/localhost:\d+\): discovery failed/);
  });

  it('stops production on a missing client secret, naming the file', async () => {
    await assert.rejects(
      discoverProviders(policyWith(provider.issuer, 'sign-in/none.secret'), options(true)),
      /asan-login .*sign-in\/none\.secret is missing or unreadable/,
    );
  });

  it('leaves the provider out in development, and logs it by name', async () => {
    const logged: string[] = [];
    const providers = await discoverProviders(policyWith(provider.issuer.replace('127.0.0.1', 'localhost')), options(false, logged));
    assert.equal(providers.size, 0);
    assert.match(logged.join(''), /sign-in provider left out: .*signIn\.providers\.asan-login/);
  });

  it('has no sign-in in development without HUB_PUBLIC_URL, and stops production', async () => {
    assert.equal((await discoverProviders(policyWith(provider.issuer), { ...options(false), publicUrl: undefined })).size, 0);
    await assert.rejects(discoverProviders(policyWith(provider.issuer), { ...options(true), publicUrl: undefined }), /HUB_PUBLIC_URL is not set/);
  });
});
