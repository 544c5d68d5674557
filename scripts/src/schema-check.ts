import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, EnvReader, SUBGRAPHS, type Environment } from '@hub/kit';
import { CompositionError } from '@hub/kit/dev';
import { checkSupergraphChange, loadLimitsPolicy, loadOperations, loadPolicies, PolicyError, verdictOf, type Verdict } from '@hub/gateway';
import { composeLocalSupergraph, localSubgraphUrl } from './compose';
import { operatorConfig } from './config';
import { ROOT } from './processes';

/**
 * `npm run schema:check -- --subgraph NAME --schema FILE [--url URL]`: a subgraph's candidate
 * schema composed with this repository's other subgraphs and weighed against the current
 * supergraph (SUPERGRAPH_PATH, schema/supergraph.graphql by default) before it lands. The exit
 * code is for a ministry's CI: 0 safe, 1 breaking, 2 does not compose, 3 dangerous (lands after
 * a review), 4 the check could not run.
 */
export const EXIT: Record<Verdict | 'composition' | 'unusable', number> = { safe: 0, breaking: 1, composition: 2, dangerous: 3, unusable: 4 };

export interface SchemaCheckResult {
  code: number;
  lines: string[];
}

const USAGE = 'usage: npm run schema:check -- --subgraph NAME --schema FILE [--url URL] (the URL is needed for a subgraph the hub does not have yet)';

function section(title: string, items: readonly string[]): string[] {
  return items.length === 0 ? [] : [`${title} (${items.length}):`, ...items.map((item) => `  - ${item}`)];
}

export async function schemaCheck(args: readonly string[], env: Environment): Promise<SchemaCheckResult> {
  let values;
  try {
    ({ values } = parseArgs({ args: [...args], options: { subgraph: { type: 'string' }, schema: { type: 'string' }, url: { type: 'string' } } }));
  } catch (error) {
    return { code: EXIT.unusable, lines: [(error as Error).message, USAGE] };
  }
  const { subgraph: name, schema: file } = values;
  if (!name || !file) return { code: EXIT.unusable, lines: [USAGE] };
  const port = SUBGRAPHS.find((s) => s.name === name)?.port;
  const url = values.url ?? (port === undefined ? undefined : localSubgraphUrl(port));
  if (!url) return { code: EXIT.unusable, lines: [`"${name}" is not a subgraph of the hub yet: give the URL the gateway will call it at (--url).`, USAGE] };

  let current: string;
  let candidate: string;
  let deps;
  try {
    const { policiesDir, keysDir } = operatorConfig(env);
    current = readFileSync(new EnvReader(env).path('SUPERGRAPH_PATH', 'schema/supergraph.graphql', ROOT), 'utf8');
    candidate = readFileSync(file, 'utf8');
    const policies = loadPolicies(policiesDir, keysDir);
    deps = { policies, limits: loadLimitsPolicy(policiesDir), operations: loadOperations(policiesDir, policies) };
  } catch (error) {
    const kind = error instanceof PolicyError || error instanceof ConfigError ? 'configuration' : 'schema:check';
    return { code: EXIT.unusable, lines: [`${kind}: ${(error as Error).message}`] };
  }

  let next: string;
  try {
    next = (await composeLocalSupergraph({ name, sdl: candidate, url })).sdl;
  } catch (error) {
    if (!(error instanceof CompositionError)) throw error;
    return {
      code: EXIT.composition,
      lines: [`${name}: the candidate does not compose with the other subgraphs`, ...section('composition errors', error.errors)],
    };
  }
  const check = await checkSupergraphChange(current, next, deps);
  const verdict = verdictOf(check);
  return {
    code: EXIT[verdict],
    lines: [
      ...section('breaking changes', check.breaking),
      ...section('registered operations no longer served', check.operations),
      ...section('fields the access policy or the journal depend on, gone', check.dependencies),
      ...section('dangerous changes', check.dangerous),
      ...section('policy to change with it', check.policy),
      ...section('safe changes', check.safe),
      `${name}: ${verdict}`,
    ],
  };
}

async function main(): Promise<void> {
  const { code, lines } = await schemaCheck(process.argv.slice(2), process.env);
  for (const line of lines) (code === EXIT.unusable || code === EXIT.composition ? console.error : console.log)(line);
  process.exitCode = code;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(`schema:check: ${(error as Error).message}`);
    process.exitCode = EXIT.unusable;
  });
}
