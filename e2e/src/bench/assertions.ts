import { SignJWT } from 'jose';
import { createCallerVerifier, createKeyPair, importSigningKey, signCallerAssertion, type Caller } from '@hub/kit';

/**
 * `npm run bench:assertions -- [--count N]`: CPU µs per caller assertion (decision 0012), each the
 * median of 5 rounds of N: the kit's signer (node:crypto) next to jose's SignJWT with the same
 * claims, and the subgraphs' verifier (jose) on a new assertion and on one it has verified before.
 */
const countFlag = process.argv.indexOf('--count');
const COUNT = countFlag > 0 ? Number(process.argv[countFlag + 1]) : 3000;
if (!Number.isInteger(COUNT) || COUNT < 1) throw new Error('--count must be a positive integer');

const caller: Caller = {
  agency: 'MIA',
  sub: 'bench-officer',
  roles: ['officer'],
  purpose: 'identity-check',
  caseNumber: null,
  fin: null,
  level: 'unlimited',
  registrationNumber: '0b1e4c1a-6a52-4a1e-8a0e-2f1c3d4e5f60',
  searchLimit: 10,
};

const WARM_UP = 300;

async function cpuMicroseconds(name: string, operation: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < WARM_UP; i++) await operation();
  const rounds: number[] = [];
  for (let round = 0; round < 5; round++) {
    const start = process.cpuUsage();
    for (let i = 0; i < COUNT; i++) await operation();
    const used = process.cpuUsage(start);
    rounds.push((used.user + used.system) / COUNT);
  }
  rounds.sort((a, b) => a - b);
  console.log(`${name.padEnd(52)} ${rounds[2]!.toFixed(1).padStart(7)} µs`);
}

async function main(): Promise<void> {
  const { privateJwk, publicJwks } = await createKeyPair('bench-gateway');
  const key = await importSigningKey(privateJwk);
  const { agency, roles, purpose, caseNumber, fin, level, registrationNumber, searchLimit } = caller;
  await cpuMicroseconds('sign: the kit (node:crypto Ed25519)', () => signCallerAssertion(key, 'citizens', caller));
  await cpuMicroseconds('sign: jose SignJWT, same claims', () =>
    new SignJWT({ agency, roles, purpose, caseNumber, fin, level, reg: registrationNumber, searchLimit })
      .setProtectedHeader({ alg: 'EdDSA', kid: key.kid })
      .setIssuer('hub-gateway')
      .setAudience('citizens')
      .setSubject(caller.sub)
      .setIssuedAt()
      .setExpirationTime('60s')
      .sign(key.privateKey),
  );
  // A new assertion per call, as the gateway sends them: signed beforehand, so only verifying is measured.
  const fresh = await Promise.all(
    Array.from({ length: WARM_UP + 5 * COUNT }, (_v, i) => signCallerAssertion(key, 'citizens', { ...caller, registrationNumber: `bench-${i}` })),
  );
  const verify = createCallerVerifier('citizens', publicJwks);
  let next = 0;
  await cpuMicroseconds('verify: the kit (jose), a new assertion', () => verify(`Bearer ${fresh[next++]}`));
  await cpuMicroseconds('verify: the kit, an assertion verified before', () => verify(`Bearer ${fresh[0]}`));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
