import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The hub's key for naming the persons a request concerned (R4) without naming them in clear:
 * HMAC-SHA-256 of the FİN, written `kid:hex` so the key can rotate. The current key names new
 * records; retired keys (read-only, in subjects.retired/) still find the records they named.
 * Losing a key makes its records unsearchable by person, never readable.
 */
export interface SubjectKey {
  kid: string;
  secret: Buffer;
}

export interface SubjectKeys {
  current: SubjectKey;
  retired: SubjectKey[];
}

export const subjectKeyPath = (dir: string) => join(dir, 'subjects.key.json');
export const retiredSubjectKeysDir = (dir: string) => join(dir, 'subjects.retired');

/** A symmetric JWK (kty oct): the secret in base64url, as the other keys of HUB_KEYS_DIR are JWKs. */
function readKey(path: string): SubjectKey {
  const json = JSON.parse(readFileSync(path, 'utf8')) as { kty?: unknown; kid?: unknown; k?: unknown };
  if (json.kty !== 'oct' || typeof json.kid !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(json.kid) || typeof json.k !== 'string') {
    throw new Error(`${path} is not a subjects key ({"kty":"oct","kid":…,"k":…})`);
  }
  const secret = Buffer.from(json.k, 'base64url');
  if (secret.length < 32) throw new Error(`${path}: the subjects key must have at least 32 bytes`);
  return { kid: json.kid, secret };
}

export function subjectKeyReadable(dir: string): boolean {
  try {
    readKey(subjectKeyPath(dir));
    return true;
  } catch {
    return false;
  }
}

/** Development only: a fresh key when there is none (production mounts its own, see checkKeys). */
export function ensureSubjectKey(dir: string): void {
  const path = subjectKeyPath(dir);
  if (existsSync(path)) return;
  const jwk = { kty: 'oct', kid: `subjects-dev-${Date.now().toString(36)}`, k: randomBytes(32).toString('base64url') };
  writeFileSync(path, JSON.stringify(jwk), { mode: 0o600 });
}

export function loadSubjectKeys(dir: string): SubjectKeys {
  const current = readKey(subjectKeyPath(dir));
  const retiredDir = retiredSubjectKeysDir(dir);
  const retired = existsSync(retiredDir)
    ? readdirSync(retiredDir)
        .filter((f) => f.endsWith('.json'))
        .sort()
        .map((f) => readKey(join(retiredDir, f)))
        .filter((k) => k.kid !== current.kid)
    : [];
  return { current, retired };
}

export function subjectHash(key: SubjectKey, fin: string): string {
  return `${key.kid}:${createHmac('sha256', key.secret).update(fin, 'utf8').digest('hex')}`;
}

/** Every name a FİN has had: under the current key and each retired one, for searching. */
export function subjectHashesOf(keys: SubjectKeys, fin: string): string[] {
  return [keys.current, ...keys.retired].map((key) => subjectHash(key, fin));
}
