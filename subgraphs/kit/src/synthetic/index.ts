export * from './rng';
export * from './identifiers';
export * from './population';
export * as vocabulary from './vocabulary';
