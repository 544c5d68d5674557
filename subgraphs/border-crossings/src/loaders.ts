import { In, type DataSource } from 'typeorm';
import { loaderOfMany } from '@hub/kit';
import { Crossing } from './entities';

const NEWEST_FIRST = { crossedAt: 'DESC', id: 'DESC' } as const;

export function createLoaders(db: DataSource) {
  const crossings = db.getRepository(Crossing);
  return {
    crossingsOfPerson: loaderOfMany((fins) => crossings.find({ where: { fin: In([...fins]) }, order: NEWEST_FIRST }), (c) => c.fin ?? ''),
    crossingsOfDocument: loaderOfMany((numbers) => crossings.find({ where: { documentNumber: In([...numbers]) }, order: NEWEST_FIRST }), (c) => c.documentNumber),
    crossingsOfVehicle: loaderOfMany(
      (numbers) => crossings.find({ where: { vehicleRegistrationNumber: In([...numbers]) }, order: NEWEST_FIRST }),
      (c) => c.vehicleRegistrationNumber ?? '',
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
