import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '@hub/kit';
import { base64url, CompactSign, compactVerify, createLocalJWKSet, importJWK, type JSONWebKeySet, type JWK } from 'jose';
import { policySetHash, type PolicySet, type PolicySetFile } from './policy-set';

/**
 * The policy set's signature (docs/decisions/0019-signed-policy-set.md): a detached compact JWS,
 * `<header>..<signature>`, EdDSA over the set's hex SHA-256. The protected header also lists the
 * signed files, so that a set altered after signing is refused naming the files that differ.
 * `npm run policies:sign` makes it with the policy signing key, which never reaches the gateway;
 * the gateway holds only the public key (a JWKS) and, in production, accepts no other set.
 */
export const POLICY_SET_TYP = 'hub-policy-set+jws';

export const policyKeyPaths = (keysDir: string) => ({
  /** The public key(s) a set may be signed with: the gateway's. */
  jwks: join(keysDir, 'policy.jwks.json'),
  /** The signature of the set in force, beside the other operator's files of the gateway. */
  signature: join(keysDir, 'policy-set.jws'),
  /** The signing key: the signer's, never mounted into the gateway. */
  privateJwk: join(keysDir, 'policy-signing.private.jwk.json'),
});

type Signed = Pick<PolicySet, 'sha256' | 'files'>;

const lineOf = (f: PolicySetFile) => `${f.sha256}  ${f.name}`;

export async function signPolicySet(set: Signed, privateJwk: JWK): Promise<string> {
  if (!privateJwk.kid) throw new Error('the policy signing key has no kid');
  const jws = await new CompactSign(new TextEncoder().encode(set.sha256))
    .setProtectedHeader({ alg: 'EdDSA', kid: privateJwk.kid, typ: POLICY_SET_TYP, files: set.files.map(lineOf) })
    .sign(await importJWK(privateJwk, 'EdDSA'));
  const [header, , signature] = jws.split('.');
  return `${header}..${signature}`;
}

/** What differs between the set signed and the set loaded, by file name. */
function differences(signed: readonly PolicySetFile[], loaded: readonly PolicySetFile[]): string {
  const before = new Map(signed.map((f) => [f.name, f.sha256]));
  const after = new Map(loaded.map((f) => [f.name, f.sha256]));
  const changes = [
    ...loaded.filter((f) => before.has(f.name) && before.get(f.name) !== f.sha256).map((f) => `${f.name} changed`),
    ...loaded.filter((f) => !before.has(f.name)).map((f) => `${f.name} added`),
    ...signed.filter((f) => !after.has(f.name)).map((f) => `${f.name} removed`),
  ];
  return changes.join(', ');
}

function signedFiles(header: Record<string, unknown>): PolicySetFile[] | null {
  const files = header['files'];
  if (!Array.isArray(files)) return null;
  const parsed = files.map((line) => /^([0-9a-f]{64}) {2}(.+)$/.exec(String(line)));
  return parsed.every((m) => m !== null) ? parsed.map((m) => ({ sha256: m![1]!, name: m![2]! })) : null;
}

/** Throws a reason when the detached JWS is not a signature of this set by one of these keys; returns the key's id. */
export async function verifyPolicySet(set: Signed, jws: string, jwks: JSONWebKeySet): Promise<string> {
  const parts = jws.trim().split('.');
  if (parts.length !== 3 || parts[1] !== '') throw new Error('not a detached JWS (<header>..<signature>)');
  const keys = createLocalJWKSet(jwks);
  const verify = (sha256: string) => compactVerify(`${parts[0]}.${base64url.encode(sha256)}.${parts[2]}`, keys, { algorithms: ['EdDSA'] });
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(base64url.decode(parts[0]!))) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`its header is not base64url JSON (${(error as Error).message})`, { cause: error });
  }
  // Another JWS made with the policy key (none is, today) is not a policy set's signature.
  if (header.typ !== POLICY_SET_TYP) throw new Error(`not a policy set's signature (typ ${JSON.stringify(header.typ ?? null)}, expected ${POLICY_SET_TYP})`);
  try {
    return (await verify(set.sha256)).protectedHeader.kid ?? '';
  } catch (error) {
    // A genuine signature of another set: say which files differ from the ones signed.
    const signed = signedFiles(header);
    const signedHash = signed && policySetHash(signed);
    if (
      signed &&
      signedHash &&
      (await verify(signedHash).then(
        () => true,
        () => false,
      ))
    ) {
      throw new Error(`the set (sha256 ${set.sha256}) is not the one signed (sha256 ${signedHash}): ${differences(signed, set.files)}`, { cause: error });
    }
    throw new Error(`the signature does not verify with the policy key: ${(error as Error).message}`, { cause: error });
  }
}

export interface PolicySignatureFiles {
  /** POLICY_SIGNATURE_PATH. */
  signaturePath: string;
  /** POLICY_JWKS_PATH. */
  jwksPath: string;
}

/**
 * Production's check at start (and a reload's): the set is accepted only with a signature that
 * verifies with the configured policy key. Anything else stops the gateway naming the file.
 */
export async function checkPolicySignature(set: Signed, files: PolicySignatureFiles): Promise<string> {
  let jwks: JSONWebKeySet;
  try {
    jwks = JSON.parse(readFileSync(files.jwksPath, 'utf8')) as JSONWebKeySet;
    if (!Array.isArray(jwks.keys)) throw new Error('not a JWKS');
  } catch (error) {
    throw new ConfigError(`POLICY_JWKS_PATH=${JSON.stringify(files.jwksPath)}: the policy key is missing or unreadable (${(error as Error).message}).`, {
      cause: error,
    });
  }
  let jws: string;
  try {
    jws = readFileSync(files.signaturePath, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `POLICY_SIGNATURE_PATH=${JSON.stringify(files.signaturePath)}: the policy set (sha256 ${set.sha256}) is not signed: production accepts only a signed set (\`npm run policies:sign\`).`,
      { cause: error },
    );
  }
  try {
    return await verifyPolicySet(set, jws, jwks);
  } catch (error) {
    throw new ConfigError(`POLICY_SIGNATURE_PATH=${JSON.stringify(files.signaturePath)}: refused: ${(error as Error).message}.`, { cause: error });
  }
}
