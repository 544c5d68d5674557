import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '@hub/kit';
import { loadLimitsPolicy, type LimitsPolicy } from './limits';
import { operationRegistry, type OperationRegistry } from './operation-registry';
import { loadPolicies, PolicyError, type Policies } from './policies';
import { loadSupergraph, type SupergraphInfo } from './supergraph';

/**
 * The policies (policies/**: access matrix, roles, purposes, limits, resources, identity
 * providers, the registered operations) and the supergraph, loaded and checked as one versioned
 * set. Its version is the SHA-256 of a canonical listing: one `<sha256 of the file>  <name>` line
 * per file, sorted by name, as `sha256sum` prints it — the order files are read or listed in
 * does not change it, any byte of any file does. A set is immutable: a reload loads a new one,
 * checks it and swaps it in whole.
 */
export interface PolicySetFile {
  /** `policies/<path>` for the policy files, `supergraph.graphql` for the supergraph, wherever it lies. */
  readonly name: string;
  readonly sha256: string;
}

export interface PolicySet {
  /** Hex SHA-256 of the listing: the set's version, what is signed, journaled and shown on /ready. */
  readonly sha256: string;
  readonly files: readonly PolicySetFile[];
  readonly policies: Policies;
  readonly limits: LimitsPolicy;
  readonly supergraph: SupergraphInfo;
  readonly operations: OperationRegistry;
}

export interface PolicySetSources {
  policiesDir: string;
  supergraphPath: string;
  /** Fills `${HUB_KEYS_DIR}` in identity-providers.json. */
  keysDir: string;
  /** SUBGRAPH_URL_<NAME> overrides: the deployment's, not part of the set. */
  subgraphUrls: Record<string, string>;
}

export const SUPERGRAPH_NAME = 'supergraph.graphql';

const byName = (a: PolicySetFile, b: PolicySetFile) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function sha256Of(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The lines the set's hash is taken over. */
export function listingOf(files: readonly PolicySetFile[]): string {
  return files.map((f) => `${f.sha256}  ${f.name}\n`).join('');
}

export function policySetHash(files: readonly PolicySetFile[]): string {
  return sha256Of(listingOf([...files].sort(byName)));
}

/**
 * Every file under the policies directory, recursively, and the supergraph. Names starting with
 * a dot are left out: Kubernetes mounts a ConfigMap with `..data` and dated `..<time>` folders
 * beside the files, which would list every file twice.
 */
export function policySetFiles(policiesDir: string, supergraphPath: string): PolicySetFile[] {
  const files: PolicySetFile[] = [];
  const walk = (dir: string, prefix: string) => {
    for (const entry of readdirSync(dir)) {
      if (entry.startsWith('.')) continue;
      const path = join(dir, entry);
      const name = `${prefix}/${entry}`;
      if (statSync(path).isDirectory()) walk(path, name);
      else files.push({ name, sha256: sha256Of(readFileSync(path)) });
    }
  };
  walk(policiesDir, 'policies');
  files.push({ name: SUPERGRAPH_NAME, sha256: sha256Of(readFileSync(supergraphPath)) });
  return files.sort(byName);
}

/**
 * Loads the set and runs every start-up check on it: the policies, the limits, the supergraph,
 * the registered operations against all three. A problem throws naming the file and the entry.
 * The files are hashed before and after loading: a set that changed meanwhile (an editor saving,
 * a deployment copying) is refused rather than recorded under a hash it was not loaded from.
 */
export function loadPolicySet(sources: PolicySetSources): PolicySet {
  const before = policySetFiles(sources.policiesDir, sources.supergraphPath);
  const policies = loadPolicies(sources.policiesDir, sources.keysDir);
  const limits = loadLimitsPolicy(sources.policiesDir);
  let supergraph: SupergraphInfo;
  try {
    supergraph = loadSupergraph(sources.supergraphPath, sources.subgraphUrls);
  } catch (error) {
    throw new ConfigError(`SUPERGRAPH_PATH=${JSON.stringify(sources.supergraphPath)}: not a composed supergraph (${(error as Error).message}).`);
  }
  checkUrlOverrides(sources.subgraphUrls, supergraph);
  // Every registered operation against the supergraph, its body's levels and the limits.
  const operations = operationRegistry(sources.policiesDir, { policies, supergraph, limits });
  operations.check();
  const after = policySetFiles(sources.policiesDir, sources.supergraphPath);
  const sha256 = policySetHash(before);
  if (policySetHash(after) !== sha256) {
    const changed = after.filter((f) => !before.some((b) => b.name === f.name && b.sha256 === f.sha256)).map((f) => f.name);
    throw new PolicyError(
      `the policy set changed while it was being loaded (${changed.join(', ') || 'a file was removed'}): load it again once it is complete`,
    );
  }
  return Object.freeze({ sha256, files: Object.freeze(before.map((f) => Object.freeze(f))), policies, limits, supergraph, operations });
}

/** SUBGRAPH_URL_<NAME> must name a subgraph of the supergraph: a typo would silently keep the default. */
function checkUrlOverrides(overrides: Record<string, string>, supergraph: SupergraphInfo): void {
  const known = new Set(supergraph.subgraphs.map((s) => s.name));
  for (const name of Object.keys(overrides)) {
    const variable = `SUBGRAPH_URL_${name.toUpperCase().replace(/-/g, '_')}`;
    if (!known.has(name)) throw new ConfigError(`${variable}: the supergraph has no subgraph "${name}" (known: ${[...known].join(', ')}).`);
  }
}
