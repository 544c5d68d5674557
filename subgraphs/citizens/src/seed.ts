import { definePopulationSeed } from '@hub/kit';
import { citizenAt, citizenDocuments, citizenRegistrations, foreignerAt, parentsOf } from '@hub/kit/synthetic';
import { Citizen, FinRegistration, IssuedDocument, Registration } from './entities';

/** Names come from a short vocabulary; Azerbaijani lower-casing (ICU) is costly at ten million persons. */
const keys = new Map<string, string>();
function searchKey(name: string): string {
  let key = keys.get(name);
  if (key === undefined) keys.set(name, (key = name.toLocaleLowerCase('az')));
  return key;
}

/** This subgraph's part of the synthetic population: one step per citizen, then one per foreigner. */
export const seed = definePopulationSeed({
  tables: {
    fin: { entity: FinRegistration, columns: ['fin', 'holder'] },
    citizen: {
      entity: Citizen,
      columns: [
        'fin',
        'internal_number',
        'first_name',
        'last_name',
        'patronymic',
        'first_name_key',
        'last_name_key',
        'sex',
        'birth_date',
        'birth_place',
        'marital_status',
        'address',
        'military_status',
        'father_fin',
        'mother_fin',
      ],
    },
    document: {
      entity: IssuedDocument,
      columns: [
        'number',
        'type',
        'holder_fin',
        'issued_by',
        'issued_at',
        'expires_at',
        'active',
        'status_reason',
        'status_changed_at',
        'blank_series',
        'blank_number',
      ],
    },
    registration: { entity: Registration, columns: ['fin', 'kind', 'place', 'registered_at', 'deregistered_at'] },
  },
  steps: (population) => population.citizens + population.foreigners,
  rowsOf(population, step, row) {
    if (step >= population.citizens) {
      // Foreigners who were assigned a FİN are in the same register: one FİN per person.
      const f = foreignerAt(population, step - population.citizens);
      if (f.fin) row('fin', [f.fin, 'FOREIGNER']);
      return;
    }
    const c = citizenAt(population, step);
    const parents = parentsOf(population, step);
    row('fin', [c.fin, 'CITIZEN']);
    row('citizen', [
      c.fin,
      c.internalNumber,
      c.firstName,
      c.lastName,
      c.patronymic,
      searchKey(c.firstName),
      searchKey(c.lastName),
      c.sex,
      c.birthDate,
      c.birthPlace,
      c.maritalStatus,
      c.address,
      c.militaryStatus,
      parents.fatherFin,
      parents.motherFin,
    ]);
    for (const d of citizenDocuments(population, step)) {
      row('document', [
        d.number,
        d.type,
        d.holderFin,
        d.issuedBy,
        d.issuedAt,
        d.expiresAt,
        d.active,
        d.statusReason,
        d.statusChangedAt,
        d.blankSeries,
        d.blankNumber,
      ]);
    }
    for (const r of citizenRegistrations(population, step)) row('registration', [c.fin, r.kind, r.place, r.registeredAt, r.deregisteredAt]);
  },
});
