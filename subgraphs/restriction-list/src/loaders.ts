import type { DataSource } from 'typeorm';
import { entityColumns, loaderOfMany, sqlOf, type Statement } from '@hub/kit';
import { RestrictionRecord } from './entities';

type KeyColumn = 'fin' | 'documentNumber' | 'vehicleRegistrationNumber';

/** All entries about any of the keys in one query, active and most recent first. */
function entriesBy(column: string): Statement {
  return {
    name: `restriction_list.entries_by_${column}`,
    text: `SELECT ${entityColumns(RestrictionRecord, 'r')} FROM "restriction_list"."restriction_entry" r
      WHERE r."${column}" = ANY($1) ORDER BY r."active" DESC, r."entered_at" DESC`,
  };
}

const STATEMENTS: Record<KeyColumn, Statement> = {
  fin: entriesBy('fin'),
  documentNumber: entriesBy('document_number'),
  vehicleRegistrationNumber: entriesBy('vehicle_registration_number'),
};

function loaderBy(db: DataSource, column: KeyColumn) {
  const sql = sqlOf(db);
  return loaderOfMany(
    (keys) => sql.query<RestrictionRecord>(STATEMENTS[column], [keys]),
    (r) => r[column] ?? '',
  );
}

export function createLoaders(db: DataSource) {
  return {
    entriesOfPerson: loaderBy(db, 'fin'),
    entriesOfDocument: loaderBy(db, 'documentNumber'),
    entriesOfVehicle: loaderBy(db, 'vehicleRegistrationNumber'),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
