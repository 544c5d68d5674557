import { In, type DataSource } from 'typeorm';
import { loaderOfMany, loaderOfOne } from '@hub/kit';
import { Foreigner, Permit } from './entities';

export function createLoaders(db: DataSource) {
  const foreigners = db.getRepository(Foreigner);
  return {
    foreigner: loaderOfOne(
      (numbers) => foreigners.findBy({ systemNumber: In([...numbers]) }),
      (f) => f.systemNumber,
    ),
    foreignerByFin: loaderOfOne(
      (fins) => foreigners.findBy({ fin: In([...fins]) }),
      (f) => f.fin ?? '',
    ),
    foreignerByPassport: loaderOfOne(
      (numbers) => foreigners.findBy({ passportNumber: In([...numbers]) }),
      (f) => f.passportNumber,
    ),
    permit: loaderOfOne(
      (numbers) => db.getRepository(Permit).findBy({ number: In([...numbers]) }),
      (p) => p.number,
    ),
    permitsOf: loaderOfMany(
      (numbers) => db.getRepository(Permit).find({ where: { systemNumber: In([...numbers]) }, order: { active: 'DESC', issuedAt: 'DESC' } }),
      (p) => p.systemNumber,
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
