import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../src/processes';

/** Shared by the tests of docker-compose.yml and the Kubernetes manifests: both may set only names the code reads. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/**
 * The environment variable names the code reads: process.env['X'], env['X'], process.env.X, the
 * kit's EnvReader (read.integer('X', …), read.url('X'), read.path('X', …), read.text('X'), helpers taking (read, 'X', …)) and
 * checked readers such as requireInteger('X', …) and requireFile('X', …).
 */
export function namesTheCodeReads(): { names: Set<string>; prefixes: Set<string> } {
  const names = new Set<string>();
  const prefixes = new Set<string>();
  for (const dir of ['gateway/src', 'subgraphs/kit/src', 'scripts/src']) {
    for (const file of sourceFiles(join(ROOT, dir))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(
        /\benv\[['"]([A-Z0-9_]+)['"]\]|process\.env\.([A-Z0-9_]+)|\brequire[A-Z][A-Za-z]*\(\s*['"]([A-Z0-9_]+)['"]|\.(?:text|integer|url|path)\(\s*['"]([A-Z0-9_]+)['"]|\(\s*read,\s*['"]([A-Z0-9_]+)['"]/g,
      )) {
        names.add((m[1] ?? m[2] ?? m[3] ?? m[4] ?? m[5])!);
      }
      // Families of names parsed by pattern, e.g. /^SUBGRAPH_URL_([A-Z_]+)$/.
      for (const m of text.matchAll(/\/\^([A-Z0-9_]+_)\(/g)) prefixes.add(m[1]!);
    }
  }
  return { names, prefixes };
}

/**
 * What the production gateway finds in HUB_KEYS_DIR, in docker-compose's demo and in the Kubernetes
 * manifests alike; with the client secret file of each sign-in provider its policies name.
 */
export function gatewayKeyFiles(agencies: readonly string[], signInSecretFiles: readonly string[] = []): string[] {
  return [
    ...signInSecretFiles,
    'gateway.jwks.json',
    'gateway.private.jwk.json',
    'subjects.key.json',
    'policy.jwks.json',
    'policy-set.jws',
    ...agencies.map((a) => `agencies/${a}.jwks.json`),
  ].sort();
}
