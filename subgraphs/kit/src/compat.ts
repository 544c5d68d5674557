import { EnvReader } from './config';

/**
 * What gateway/src still imports from the kit while the gateway is rewritten to read its own
 * configuration once (config.ts, ui.ts): process-wide environment readers and four parts of
 * the synthetic population. Remove when the gateway no longer imports them.
 */
const fromProcess = () => new EnvReader(process.env);
export const requireInteger = (name: string, fallback: number, min?: number, max?: number) => fromProcess().integer(name, fallback, min, max);
export const requireUrl = (name: string) => fromProcess().url(name);
export const keysDirectory = () => fromProcess().path('HUB_KEYS_DIR', '.keys');
export { citizenDocuments, DEMO_CASES, DEMO_POPULATION, demoPeople } from './synthetic';
