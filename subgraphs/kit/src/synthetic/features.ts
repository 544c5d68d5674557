import { citizenAt } from './citizens';
import type { PopulationOptions } from './population';
import { Rng } from './rng';

/** What else is on record about citizen #i, drawn once so every resource agrees (the demo cases are fixed). */
interface Features {
  crossings: boolean;
  restricted: boolean;
  debtor: boolean;
  appeals: boolean;
  vehicle: boolean;
}

export function featuresOf(options: PopulationOptions, index: number): Features {
  const rng = new Rng(options.seed, 'features', index);
  const adult = !citizenAt(options, index).isMinor;
  const drawn: Features = {
    crossings: rng.chance(0.45),
    restricted: rng.chance(0.04),
    debtor: adult && rng.chance(0.06),
    appeals: adult && rng.chance(0.1),
    vehicle: adult && rng.chance(0.3),
  };
  switch (index) {
    case 0:
      return { crossings: true, restricted: false, debtor: true, appeals: true, vehicle: true };
    case 1:
      return { crossings: true, restricted: true, debtor: false, appeals: false, vehicle: true };
    case 2:
      return { crossings: true, restricted: true, debtor: false, appeals: false, vehicle: false };
    case 3:
      return { crossings: true, restricted: false, debtor: false, appeals: false, vehicle: false };
    default:
      return index < 10 ? { ...drawn, restricted: false } : drawn;
  }
}
