import { citizenAt } from './citizens';
import { featuresOf } from './features';
import * as id from './identifiers';
import type { PopulationOptions } from './population';
import { Rng } from './rng';
import * as words from './vocabulary';

/** Vehicles owned by citizens: they cross borders and may be on the restriction list (6.6, 6.7.1.14). */
export interface Vehicle {
  registrationNumber: string;
  type: 'CAR' | 'TRUCK' | 'BUS' | 'MOTORCYCLE';
  make: string;
  model: string;
  ownerFin: string;
}

export function vehicleOf(options: PopulationOptions, index: number): Vehicle | null {
  if (!featuresOf(options, index).vehicle) return null;
  const rng = new Rng(options.seed, 'vehicle', index);
  const brand = rng.pick(words.CAR_MAKES);
  return {
    registrationNumber: id.vehicleRegistrationNumber(index),
    type: brand.make === 'Mercedes-Benz' && rng.chance(0.3) ? 'BUS' : 'CAR',
    make: brand.make,
    model: rng.pick(brand.models),
    ownerFin: citizenAt(options, index).fin,
  };
}
