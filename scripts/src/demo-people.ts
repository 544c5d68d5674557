import { DEMO_POPULATION, demoPeople, requireInteger } from '@hub/kit';

/** `npm run --silent demo:people`: the demo persons the generator always produces, as JSON. */
const population = { ...DEMO_POPULATION, seed: requireInteger('HUB_SEED_NUMBER', DEMO_POPULATION.seed) };
process.stdout.write(`${JSON.stringify(demoPeople(population), null, 2)}\n`);
