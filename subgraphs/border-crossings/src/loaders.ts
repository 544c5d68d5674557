import type { DataSource } from 'typeorm';
import { entityColumns, loaderOfMany, sqlOf, type Statement } from '@hub/kit';
import { Crossing } from './entities';

/** All crossings of any of the keys in one query, newest first. */
function crossingsBy(column: 'fin' | 'document_number' | 'vehicle_registration_number'): Statement {
  return {
    name: `border_crossings.crossings_by_${column}`,
    text: `SELECT ${entityColumns(Crossing, 'c')} FROM "border_crossings"."crossing" c WHERE c."${column}" = ANY($1) ORDER BY c."crossed_at" DESC, c."id" DESC`,
  };
}

const BY_PERSON = crossingsBy('fin');
const BY_DOCUMENT = crossingsBy('document_number');
const BY_VEHICLE = crossingsBy('vehicle_registration_number');

export function createLoaders(db: DataSource) {
  const sql = sqlOf(db);
  return {
    crossingsOfPerson: loaderOfMany(
      (fins) => sql.query<Crossing>(BY_PERSON, [fins]),
      (c) => c.fin ?? '',
    ),
    crossingsOfDocument: loaderOfMany(
      (numbers) => sql.query<Crossing>(BY_DOCUMENT, [numbers]),
      (c) => c.documentNumber,
    ),
    crossingsOfVehicle: loaderOfMany(
      (numbers) => sql.query<Crossing>(BY_VEHICLE, [numbers]),
      (c) => c.vehicleRegistrationNumber ?? '',
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
