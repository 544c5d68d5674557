import { In, type DataSource } from 'typeorm';
import { loaderOfOne } from '@hub/kit';
import { ChildProfileRecord } from './entities';

export function createLoaders(db: DataSource) {
  return {
    profile: loaderOfOne(
      (fins) => db.getRepository(ChildProfileRecord).findBy({ fin: In([...fins]) }),
      (p) => p.fin,
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
