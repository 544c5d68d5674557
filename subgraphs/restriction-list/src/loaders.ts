import { In, type DataSource, type FindOptionsWhere } from 'typeorm';
import { loaderOfMany } from '@hub/kit';
import { RestrictionRecord } from './entities';

type KeyColumn = 'fin' | 'documentNumber' | 'vehicleRegistrationNumber';

/** All entries about any of the keys in one query, active and most recent first. */
function entriesBy(db: DataSource, column: KeyColumn) {
  return loaderOfMany(
    (keys) => db.getRepository(RestrictionRecord).find({
      where: { [column]: In([...keys]) } as FindOptionsWhere<RestrictionRecord>,
      order: { active: 'DESC', enteredAt: 'DESC' },
    }),
    (r) => r[column] ?? '',
  );
}

export function createLoaders(db: DataSource) {
  return {
    entriesOfPerson: entriesBy(db, 'fin'),
    entriesOfDocument: entriesBy(db, 'documentNumber'),
    entriesOfVehicle: entriesBy(db, 'vehicleRegistrationNumber'),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
