import { EnvReader } from '@hub/kit';
import { DEMO_POPULATION, demoPeople } from '@hub/kit/synthetic';

/** `npm run --silent demo:people`: the demo persons the generator always produces, as JSON. */
const population = { ...DEMO_POPULATION, seed: new EnvReader(process.env).integer('HUB_SEED_NUMBER', DEMO_POPULATION.seed) };
process.stdout.write(`${JSON.stringify(demoPeople(population), null, 2)}\n`);
