import { runSubgraphProcess } from '@hub/kit/process';

// The module (and pg with it) loads once tracing has started: runSubgraphProcess instruments pg first.
void runSubgraphProcess('audit', process.env, async () => (await import('./index.js')).auditSubgraph);
