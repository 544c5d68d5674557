/** What a running subgraph needs. Synthetic data, test support and development tools are subpaths of their own. */
export * from './caller';
export * from './catalog';
export * from './config';
export * from './database';
export * from './errors';
export * from './formats';
export * from './graphql';
export * from './http';
export * from './query-journal';
export * from './loading';
export * from './main';
export * from './naming';
export * from './primary';
export * from './seeding';
export * from './sql';
export * from './subgraph';
export * from './validation';
