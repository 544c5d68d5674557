import { ConfigError, EnvReader, type Environment } from '@hub/kit';
import { loadLimitsPolicy, loadPolicies, loadSupergraph, operationRegistry, PolicyError } from '@hub/gateway';

/**
 * `npm run operations:check`: the start-up check of the registered operations
 * (policies/operations) without starting anything — each operation's id and reviewed name on
 * stdout, every problem on stderr, exit 1 when there is one. Reads POLICIES_DIR and
 * SUPERGRAPH_PATH as the gateway does.
 */
export function checkOperations(env: Environment): { lines: string[]; problems: string[] } {
  const read = new EnvReader(env);
  const policiesDir = read.path('POLICIES_DIR', 'policies');
  const policies = loadPolicies(policiesDir, read.path('HUB_KEYS_DIR', '.keys'));
  const limits = loadLimitsPolicy(policiesDir);
  const registry = operationRegistry(policiesDir, { policies, supergraph: loadSupergraph(read.path('SUPERGRAPH_PATH', 'schema/supergraph.graphql')), limits });
  return { lines: registry.operations.map((o) => `${o.id}  ${o.name}`), problems: registry.problems() };
}

function main(): void {
  try {
    const { lines, problems } = checkOperations(process.env);
    for (const line of lines) console.log(line);
    for (const problem of problems) console.error(problem);
    console.log(problems.length === 0 ? `${lines.length} registered operations: all checked` : `${problems.length} problems`);
    if (problems.length > 0) process.exitCode = 1;
  } catch (error) {
    console.error(`${error instanceof PolicyError || error instanceof ConfigError ? 'configuration' : 'operations:check'}: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}

if (require.main === module) main();
