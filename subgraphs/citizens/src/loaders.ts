import { In, type DataSource } from 'typeorm';
import { loaderOfMany, loaderOfOne } from '@hub/kit';
import { Citizen, FinRegistration, IssuedDocument, Registration } from './entities';

export function createLoaders(db: DataSource) {
  return {
    registeredFin: loaderOfOne((fins) => db.getRepository(FinRegistration).findBy({ fin: In([...fins]) }), (r) => r.fin),
    citizen: loaderOfOne((fins) => db.getRepository(Citizen).findBy({ fin: In([...fins]) }), (c) => c.fin),
    documentsOf: loaderOfMany(
      (fins) => db.getRepository(IssuedDocument).find({ where: { holderFin: In([...fins]) }, order: { active: 'DESC', issuedAt: 'DESC' } }),
      (d) => d.holderFin,
    ),
    document: loaderOfOne((numbers) => db.getRepository(IssuedDocument).findBy({ number: In([...numbers]) }), (d) => d.number),
    registrationsOf: loaderOfMany(
      (fins) => db.getRepository(Registration).find({ where: { fin: In([...fins]) }, order: { registeredAt: 'DESC' } }),
      (r) => r.fin,
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
