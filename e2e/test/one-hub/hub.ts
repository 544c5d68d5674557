import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { childProfileOf, citizenAt, citizenDocuments, crossingsOf, demoPeople, foreignerAt, vehicleOf } from '@hub/kit/synthetic';
import { sharedTestHub, type TestHub } from '../../src/hub';

describe('the hub end to end', () => {
  let hub: TestHub;
  let people: Record<string, string>;
  before(async () => {
    hub = await sharedTestHub('hub');
    people = Object.fromEntries(demoPeople(hub.population).map((p) => [p.case, p.fin]));
  });

  it('answers one FİN query from six subgraphs with mutually consistent data', async () => {
    const fin = people['citizen-full']!;
    const citizen = citizenAt(hub.population, 0);
    const res = await hub.query(
      `query Person($fin: ID!) { person(fin: $fin) {
      fin
      citizen { firstName lastName birthDate documents { number type active blank { series number state } crossings { direction } restrictionCheck { hit } } }
      foreigner { systemNumber }
      borderCrossings { documentNumber direction crossedAt checkpoint person { fin } }
      restrictionCheck { hit contactAgencies }
      childProfile { fin }
    } }`,
      { fin },
    );
    assert.equal(res.status, 200);
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    const person = res.body.data.person;
    assert.equal(person.fin, fin);
    assert.equal(person.citizen.lastName, citizen.lastName);
    assert.equal(person.foreigner, null);
    assert.equal(person.childProfile, null);
    assert.deepEqual(person.restrictionCheck, { hit: false, contactAgencies: [] });
    const documents = new Map(citizenDocuments(hub.population, 0).map((d) => [d.number, d]));
    for (const d of person.citizen.documents) {
      const expected = documents.get(d.number)!;
      assert.equal(d.active, expected.active);
      // The blanks subgraph knows the blank each document was personalised on.
      assert.deepEqual(d.blank, { series: expected.blankSeries, number: expected.blankNumber, state: 'PERSONALISED' });
    }
    const crossings = crossingsOf(hub.population, { citizen: 0 });
    assert.equal(person.borderCrossings.length, crossings.length);
    // Crossings name documents the citizens subgraph issued to the same person.
    for (const c of person.borderCrossings) {
      assert.ok(documents.has(c.documentNumber));
      assert.equal(c.person.fin, fin);
    }
    assert.ok(res.body.extensions.registrationNumber);
    assert.equal(res.headers['x-registration-number'], res.body.extensions.registrationNumber);
  });

  it('links a child to the parent by FİN across citizens and child data', async () => {
    const fin = people['child']!;
    const profile = childProfileOf(hub.population, 3)!;
    const res = await hub.query(
      `query($fin: ID!) { person(fin: $fin) { citizen { father { fin citizen { lastName } } } childProfile { fin father { fin } } } }`,
      { fin },
    );
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    assert.equal(res.body.data.person.childProfile.father.fin, profile.fatherFin);
    assert.equal(res.body.data.person.citizen.father.fin, profile.fatherFin);
    assert.equal(res.body.data.person.citizen.father.citizen.lastName, citizenAt(hub.population, 0).lastName);
  });

  it('finds a foreigner by FİN through the Person entity', async () => {
    const res = await hub.query(`query($fin: ID!) { person(fin: $fin) { citizen { fin } foreigner { systemNumber lastName } } }`, { fin: people['foreigner'] });
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    assert.deepEqual(res.body.data.person, {
      citizen: null,
      foreigner: { systemNumber: foreignerAt(hub.population, 0).systemNumber, lastName: foreignerAt(hub.population, 0).lastName },
    });
  });

  it('looks up a document and a vehicle by number', async () => {
    const passport = citizenDocuments(hub.population, 1).find((d) => d.type === 'GENERAL_PASSPORT')!;
    const doc = await hub.query(`query($n: String!) { document(number: $n) { number holder { fin } restrictionCheck { hit } crossings { direction } } }`, {
      n: passport.number,
    });
    assert.equal(doc.body.errors, undefined, JSON.stringify(doc.body.errors));
    assert.equal(doc.body.data.document.holder.fin, people['restricted-by-SBS']);
    const vehicle = vehicleOf(hub.population, 0)!;
    const car = await hub.query(`query($r: String!) { vehicle(registrationNumber: $r) { registrationNumber make model restrictionCheck { hit } } }`, {
      r: vehicle.registrationNumber,
    });
    assert.equal(car.body.errors, undefined, JSON.stringify(car.body.errors));
    assert.deepEqual(car.body.data.vehicle, {
      registrationNumber: vehicle.registrationNumber,
      make: vehicle.make,
      model: vehicle.model,
      restrictionCheck: { hit: false },
    });
  });

  it('refuses malformed keys with BAD_USER_INPUT naming the format, and answers unknown keys with null', async () => {
    const cases: Array<[string, string]> = [
      ['{ person(fin: "bad!") { fin } }', '7 characters'],
      ['{ document(number: "12") { number } }', 'digits'],
      ['{ vehicle(registrationNumber: "ABC") { registrationNumber } }', 'NN-LL-NNN'],
    ];
    for (const [query, format] of cases) {
      const res = await hub.query(query);
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', query);
      assert.match(res.body.errors[0].message, new RegExp(format));
    }
    for (const query of [
      '{ person(fin: "ZZZZZZZ") { fin } }',
      '{ document(number: "ZZ7654321") { number } }',
      '{ vehicle(registrationNumber: "11-ZZ-999") { registrationNumber } }',
    ]) {
      const res = await hub.query(query);
      assert.equal(res.body.errors, undefined, query);
      assert.equal(Object.values(res.body.data)[0], null, query);
    }
  });
});
