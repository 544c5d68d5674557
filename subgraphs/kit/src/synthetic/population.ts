import { finForCitizen, finForForeigner } from './identifiers';

/**
 * The synthetic population, one file per resource beside this one. Every function is a pure
 * function of (options, index), so each subgraph seeds its own schema from the same generator
 * and one FİN means the same person everywhere. Dates are computed against a fixed reference
 * day (dates.ts), never the clock.
 */
export interface PopulationOptions {
  seed: number;
  citizens: number;
  foreigners: number;
}

export const DEMO_POPULATION: PopulationOptions = { seed: 2012, citizens: 400, foreigners: 80 };

/** Demo persons the generator always produces at fixed indexes, one per typical case. */
export const DEMO_CASES = {
  'citizen-full': { citizen: 0 },
  'restricted-by-SBS': { citizen: 1 },
  'restricted-by-MIA': { citizen: 2 },
  child: { citizen: 3 },
  foreigner: { foreigner: 0 },
} as const;
export type DemoCase = keyof typeof DEMO_CASES;

export function demoPeople(options: PopulationOptions): Array<{ case: DemoCase; fin: string }> {
  return (Object.keys(DEMO_CASES) as DemoCase[]).map((name) => {
    const where: { citizen?: number; foreigner?: number } = DEMO_CASES[name];
    const fin = where.citizen !== undefined ? finForCitizen(options.seed, where.citizen) : finForForeigner(options.seed, where.foreigner ?? 0);
    return { case: name, fin };
  });
}
