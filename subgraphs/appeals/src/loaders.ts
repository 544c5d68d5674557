import { In, type DataSource } from 'typeorm';
import { loaderOfMany, loaderOfOne } from '@hub/kit';
import { Appeal } from './entities';

export function createLoaders(db: DataSource) {
  return {
    appeal: loaderOfOne(
      (numbers) => db.getRepository(Appeal).findBy({ registrationNumber: In([...numbers]) }),
      (a) => a.registrationNumber,
    ),
    appealsOf: loaderOfMany(
      (fins) => db.getRepository(Appeal).find({ where: { applicantFin: In([...fins]) }, order: { receivedAt: 'DESC', registrationNumber: 'ASC' } }),
      (a) => a.applicantFin,
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
