import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import { entityColumns, entityJson, loaderOfMany, loaderOfOne, sqlOf, type Statement } from '@hub/kit';
import { Citizen, IssuedDocument, Registration } from './entities';

/** What one FİN is in this register: the FİN register's entry, the citizen record and its documents. */
export interface PersonRecord {
  registered: boolean;
  citizen: Citizen | null;
  /** Active first, newest first; empty for a FİN without a citizen record. */
  documents: IssuedDocument[];
}

/**
 * Every FİN of a request in one query and one round trip: the FİN register, the citizen and
 * the documents (as JSON, dates stay YYYY-MM-DD), one row per key in the keys' order.
 */
const PERSONS: Statement = {
  name: 'citizens.persons',
  text: `SELECT f.fin IS NOT NULL AS registered,
      CASE WHEN c.fin IS NULL THEN NULL ELSE ${entityJson(Citizen, 'c')} END AS citizen,
      CASE WHEN c.fin IS NULL THEN '[]'::json ELSE coalesce(
        (SELECT json_agg(${entityJson(IssuedDocument, 'd')} ORDER BY d."active" DESC, d."issued_at" DESC) FROM "citizens"."document" d WHERE d."holder_fin" = c."fin"),
        '[]'::json) END AS documents
    FROM unnest($1::bpchar[]) WITH ORDINALITY AS k(fin, position)
    LEFT JOIN "citizens"."fin_register" f ON f."fin" = k.fin
    LEFT JOIN "citizens"."citizen" c ON c."fin" = k.fin
    ORDER BY k.position`,
};

const DOCUMENTS: Statement = {
  name: 'citizens.documents',
  text: `SELECT ${entityColumns(IssuedDocument, 'd')} FROM "citizens"."document" d WHERE d."number" = ANY($1)`,
};

const REGISTRATIONS: Statement = {
  name: 'citizens.registrations',
  text: `SELECT ${entityColumns(Registration, 'r')} FROM "citizens"."registration" r WHERE r."fin" = ANY($1) ORDER BY r."registered_at" DESC`,
};

export function createLoaders(db: DataSource) {
  const sql = sqlOf(db);
  return {
    person: new DataLoader<string, PersonRecord>((fins) => sql.query<PersonRecord>(PERSONS, [fins])),
    document: loaderOfOne(
      (numbers) => sql.query<IssuedDocument>(DOCUMENTS, [numbers]),
      (d) => d.number,
    ),
    registrationsOf: loaderOfMany(
      (fins) => sql.query<Registration>(REGISTRATIONS, [fins]),
      (r) => r.fin,
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
