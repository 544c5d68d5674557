import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  appealsOf,
  childProfileOf,
  citizenAt,
  citizenDocuments,
  citizenRegistrations,
  citizenRestrictions,
  crossingsOf,
  demoPeople,
  enforcementCasesOf,
  finForCitizen,
  foreignerAt,
  foreignerPermits,
  foreignerRestrictions,
  parentsOf,
  REFERENCE_DAY,
  vehicleOf,
  type DemoCase,
  type PopulationOptions,
} from '../src/synthetic';
import { DOCUMENT_PATTERN, FIN_PATTERN, VEHICLE_PATTERN } from '../src/formats';

const LARGE: PopulationOptions = { seed: 2012, citizens: 200_000, foreigners: 50_000 };
const SMALL: PopulationOptions = { seed: 2012, citizens: 400, foreigners: 80 };
const range = (n: number) => Array.from({ length: n }, (_v, i) => i);

/** Full years on REFERENCE_DAY, computed independently of the generator. */
function ageOnReferenceDay(birthDate: string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number];
  const [ry, rm, rd] = REFERENCE_DAY.split('-').map(Number) as [number, number, number];
  return ry - by - (rm < bm || (rm === bm && rd < bd) ? 1 : 0);
}

/** Everything the generator says about citizen #i and foreigner #i. */
function factsAbout(options: PopulationOptions, i: number) {
  return {
    citizen: citizenAt(options, i),
    documents: citizenDocuments(options, i),
    registrations: citizenRegistrations(options, i),
    parents: parentsOf(options, i),
    vehicle: vehicleOf(options, i),
    crossings: crossingsOf(options, { citizen: i }),
    restrictions: citizenRestrictions(options, i),
    enforcement: enforcementCasesOf(options, i),
    child: childProfileOf(options, i),
    appeals: appealsOf(options, i),
    foreigner: foreignerAt(options, i),
    permits: foreignerPermits(options, i),
    foreignerCrossings: crossingsOf(options, { foreigner: i }),
    foreignerRestrictions: foreignerRestrictions(options, i),
  };
}

describe('synthetic population', () => {
  it('is deterministic: the same options give the same persons, another seed other ones', () => {
    for (const i of range(300)) assert.deepEqual(factsAbout({ ...SMALL }, i), factsAbout({ ...SMALL }, i), `person #${i}`);
    assert.deepEqual(demoPeople({ ...SMALL }), demoPeople({ ...SMALL }));
    const reseeded = { ...SMALL, seed: SMALL.seed + 1 };
    assert.ok(range(300).every((i) => citizenAt(SMALL, i).fin !== citizenAt(reseeded, i).fin));
  });

  it('gives 200,000 citizens and 50,000 foreigners unique, well-formed FİNs', () => {
    const fins = new Set<string>();
    let count = 0;
    for (let i = 0; i < LARGE.citizens; i++) {
      const fin = citizenAt(LARGE, i).fin;
      assert.match(fin, FIN_PATTERN);
      fins.add(fin);
      count += 1;
    }
    for (let j = 0; j < LARGE.foreigners; j++) {
      const fin = foreignerAt(LARGE, j).fin;
      if (fin === null) continue;
      assert.match(fin, FIN_PATTERN);
      fins.add(fin);
      count += 1;
    }
    assert.ok(count > LARGE.citizens + LARGE.foreigners / 2, 'most foreigners have a FİN');
    assert.equal(fins.size, count, 'no FİN is given twice');
  });

  it('numbers documents uniquely in the document format, on the blank they were personalised on', () => {
    const numbers = new Set<string>();
    let count = 0;
    const add = (number: string) => {
      assert.match(number, DOCUMENT_PATTERN);
      numbers.add(number);
      count += 1;
    };
    for (let i = 0; i < LARGE.citizens; i++) {
      const fin = citizenAt(LARGE, i).fin;
      for (const d of citizenDocuments(LARGE, i)) {
        add(d.number);
        assert.equal(d.holderFin, fin);
        assert.equal(`${d.blankSeries}${d.blankNumber}`, d.number);
      }
    }
    for (let j = 0; j < LARGE.foreigners; j++) {
      add(foreignerAt(LARGE, j).passportNumber);
      for (const p of foreignerPermits(LARGE, j)) add(p.number);
    }
    assert.equal(numbers.size, count, 'no document number is given twice');
  });

  it('registers vehicles under unique plates in the plate format, to adult owners', () => {
    const plates = new Set<string>();
    let count = 0;
    for (let i = 0; i < LARGE.citizens; i++) {
      const vehicle = vehicleOf(LARGE, i);
      if (!vehicle) continue;
      const owner = citizenAt(LARGE, i);
      assert.match(vehicle.registrationNumber, VEHICLE_PATTERN);
      assert.equal(vehicle.ownerFin, owner.fin);
      assert.ok(!owner.isMinor, `vehicle owner #${i} is an adult`);
      plates.add(vehicle.registrationNumber);
      count += 1;
    }
    assert.ok(count > 0);
    assert.equal(plates.size, count, 'no plate is given twice');
  });

  it('produces the demo persons with the facts each demo case stands for', () => {
    const index = { 'citizen-full': 0, 'restricted-by-SBS': 1, 'restricted-by-MIA': 2, child: 3 } as const;
    const fin = Object.fromEntries(demoPeople(SMALL).map((p) => [p.case, p.fin])) as Record<DemoCase, string>;
    for (const [name, i] of Object.entries(index)) assert.equal(fin[name as DemoCase], citizenAt(SMALL, i).fin, name);

    assert.ok(citizenDocuments(SMALL, 0).length > 0, 'citizen-full has documents');
    assert.ok(crossingsOf(SMALL, { citizen: 0 }).length > 0, 'citizen-full has border crossings');
    assert.ok(
      enforcementCasesOf(SMALL, 0).some((c) => c.debtorFin === fin['citizen-full']),
      'citizen-full has an enforcement case',
    );
    assert.ok(
      appealsOf(SMALL, 0).some((a) => a.applicantFin === fin['citizen-full']),
      'citizen-full has an appeal',
    );

    for (const [name, agency] of [
      ['restricted-by-SBS', 'SBS'],
      ['restricted-by-MIA', 'MIA'],
    ] as const) {
      const entries = citizenRestrictions(SMALL, index[name]);
      assert.ok(
        entries.some((e) => e.active && e.initiatingAgency === agency && e.fin === fin[name]),
        `${name} has an active entry initiated by ${agency}`,
      );
    }

    const child = citizenAt(SMALL, index.child);
    assert.ok(child.isMinor && ageOnReferenceDay(child.birthDate) < 18, 'child is a minor');
    const profile = childProfileOf(SMALL, index.child);
    assert.ok(profile && !profile.archived, 'child has an open child profile');
    const parents = parentsOf(SMALL, index.child);
    assert.ok(parents.fatherFin !== null || parents.motherFin !== null, 'child has a parent');
    assert.ok(profile.fatherFin === parents.fatherFin && profile.motherFin === parents.motherFin);

    const foreigner = foreignerAt(SMALL, 0);
    assert.ok(foreigner.fin !== null, 'the demo foreigner has a FİN');
    assert.match(foreigner.fin, FIN_PATTERN);
    assert.equal(fin.foreigner, foreigner.fin);
  });

  it('keeps child profiles for persons under 21 only, archived exactly from 18', () => {
    let profiles = 0;
    let archived = 0;
    for (let i = 0; i < 20_000; i++) {
      const person = citizenAt(LARGE, i);
      const age = ageOnReferenceDay(person.birthDate);
      const profile = childProfileOf(LARGE, i);
      if (age < 18) assert.ok(profile, `minor #${i} has a profile`);
      if (!profile) continue;
      profiles += 1;
      assert.ok(age < 21, `#${i} has a profile at age ${age}`);
      assert.equal(profile.fin, person.fin);
      assert.equal(profile.archived, age >= 18, `#${i} aged ${age}`);
      assert.equal(profile.archivedAt, profile.archived ? `${Number(person.birthDate.slice(0, 4)) + 18}${person.birthDate.slice(4)}` : null);
      if (profile.archived) archived += 1;
    }
    assert.ok(profiles > archived && archived > 0, 'both open and archived profiles occur');
  });

  it('generates citizen #999,999 of a million directly', () => {
    const million: PopulationOptions = { seed: 2012, citizens: 1_000_000, foreigners: 0 };
    const last = citizenAt(million, 999_999);
    assert.equal(last.index, 999_999);
    assert.equal(last.fin, finForCitizen(million.seed, 999_999));
    assert.match(last.fin, FIN_PATTERN);
    assert.notEqual(last.fin, citizenAt(million, 0).fin);
    assert.equal(last.internalNumber, 'IAMAS-001000000');
  });
});
