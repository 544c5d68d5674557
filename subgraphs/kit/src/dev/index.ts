/**
 * Development-only parts: the embedded PostgreSQL, composing the supergraph, loading every
 * subgraph's module. A production process never imports this (scripts/test/production-modules.test.ts).
 */
export * from './compose';
export * from './embedded-postgres';
export * from './modules';
