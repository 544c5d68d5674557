import { In, type DataSource } from 'typeorm';
import { loaderOfMany, loaderOfOne } from '@hub/kit';
import { EnforcementAction, EnforcementCaseRecord } from './entities';

export function createLoaders(db: DataSource) {
  return {
    case: loaderOfOne(
      (numbers) => db.getRepository(EnforcementCaseRecord).findBy({ caseNumber: In([...numbers]) }),
      (c) => c.caseNumber,
    ),
    casesOfDebtor: loaderOfMany(
      (fins) => db.getRepository(EnforcementCaseRecord).find({ where: { debtorFin: In([...fins]) }, order: { openedAt: 'DESC', caseNumber: 'ASC' } }),
      (c) => c.debtorFin,
    ),
    actionsOf: loaderOfMany(
      (numbers) => db.getRepository(EnforcementAction).find({ where: { caseNumber: In([...numbers]) }, order: { date: 'ASC', id: 'ASC' } }),
      (a) => a.caseNumber,
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
