export * from './bootstrap';
export * from './config';
export * from './keys';
export * from './logger';
export * from './policies';
export * from './server';
export * from './supergraph';
