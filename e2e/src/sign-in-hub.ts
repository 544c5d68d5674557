import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { discoverProviders, loadPolicies, relyingPartyOf } from '@hub/gateway';
import { startDemoSignIn, type DemoSignIn } from '@hub/scripts/dist/src/dev/demo-sign-in';
import { freePort, POLICIES_DIR, startTestHub, type TestHub } from './hub';

export interface SignInHub {
  hub: TestHub;
  /** Where browsers reach the gateway: localhost, on which they keep the Secure, __Host- session cookie over http. */
  publicUrl: string;
  demo: DemoSignIn;
}

/**
 * A test hub people sign in to as under `npm start`: the demo provider in ASAN Login's place
 * (the launcher's own startDemoSignIn: the gateway its client, a policy set naming it), the
 * gateway on a port chosen first for the provider's redirect URIs, under the policy set named if any. Stopping
 * the hub stops the provider.
 */
export async function startSignInHub(options: { policySet?: string } = {}): Promise<SignInHub> {
  const port = await freePort();
  const publicUrl = `http://localhost:${port}`;
  let demo: DemoSignIn | undefined;
  const hub = await startTestHub({
    ...options,
    port,
    signIn: async ({ keysDir, journal, registrations }) => {
      demo = await startDemoSignIn({ policiesDir: POLICIES_DIR, keysDir, publicUrl, port: 0, workDir: mkdtempSync(join(tmpdir(), 'hub-e2e-sign-in-')) });
      const policies = loadPolicies(demo.policiesDir, keysDir);
      const logger = pino({ level: 'silent' });
      const providers = await discoverProviders(policies.signIn, { keysDir, publicUrl, production: false, logger });
      return relyingPartyOf({ publicUrl, redisUrl: undefined, policies, providers, journal, registrations, logger });
    },
  });
  const started = demo!;
  return {
    hub: {
      ...hub,
      stop: async () => {
        await hub.stop();
        await started.provider.stop();
      },
    },
    publicUrl,
    demo: started,
  };
}
