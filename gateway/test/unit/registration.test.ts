import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RegistrationNumbers } from '../../src/journal/registration';
import { smallWorld } from '../support/world';

describe('registration numbers', () => {
  it('puts the number in the header, in the body and in every subgraph call, refused or not', async () => {
    const world = await smallWorld();
    for (const token of [undefined, null]) {
      const { result, hub, entry } = await world.run('{ person(fin: "A") { name } }', {
        ...(token === null ? { token } : {}),
        respond: () => ({ data: { person: null } }),
      });
      assert.match(hub.registrationNumber, /^HUB-\d{17}-T01-[0-9A-Z]{4}$/);
      assert.equal(result.headers['x-registration-number'], hub.registrationNumber);
      assert.equal(result.body.extensions?.['registrationNumber'], hub.registrationNumber);
      assert.equal(entry?.registrationNumber, hub.registrationNumber);
    }
  });

  it('are unique and increasing within a replica, also within one millisecond', () => {
    const numbers = new RegistrationNumbers('A01');
    const issued = Array.from({ length: 1000 }, () => numbers.next());
    assert.equal(new Set(issued).size, issued.length);
    assert.deepEqual([...issued].sort(), issued);
  });
});
