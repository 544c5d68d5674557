import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { smallWorld } from '../support/world';

const QUERY = '{ person(fin: "A") { name } }';
const served = () => ({ data: { person: null } });

/** purposes.json binds each purpose to bodies and, where the law says so, roles: in the small world only AAA enforces. */
describe('purpose', () => {
  it("refuses a purpose the caller's body may not claim: FORBIDDEN naming it, journaled with the claimed code as an attempt to exceed authority", async () => {
    const world = await smallWorld();
    const token = await world.token({ agency: 'BBB', roles: ['officer'] });
    const { result, executed, entry } = await world.run(QUERY, { token, purpose: 'enforce', headers: { 'x-case-number': 'IC-2024-0000012' }, respond: served });
    const error = result.body.errors?.[0];
    assert.deepEqual(
      [result.status, error?.extensions?.['code'], error?.extensions?.['purpose'], error?.extensions?.['allowed']],
      [403, 'FORBIDDEN', 'enforce', ['check', 'serve']],
    );
    assert.match(error?.message ?? '', /^The purpose enforce may not be claimed by BBB as officer\. Allowed: check, serve\.$/);
    assert.equal(executed, null, 'nothing is executed');
    assert.deepEqual(
      [entry?.agency, entry?.purpose, entry?.caseNumber, entry?.decision, entry?.reason, entry?.attemptToExceedAuthority],
      ['BBB', 'enforce', null, 'refused', 'FORBIDDEN', true],
    );
  });

  it('serves the same purpose to a body the table names', async () => {
    const world = await smallWorld();
    const { result, entry } = await world.run(QUERY, { purpose: 'enforce', respond: served });
    assert.deepEqual([result.status, entry?.agency, entry?.purpose, entry?.decision], [200, 'AAA', 'enforce', 'allowed']);
  });

  it('refuses a purpose the table gives only to other roles, even in a body it names', async () => {
    const world = await smallWorld();
    for (const [roles, purpose, allowed] of [
      [['officer'], 'audit', ['check', 'enforce', 'serve']],
      [['auditor'], 'check', ['audit']],
      [['officer'], 'self', ['check', 'enforce', 'serve']],
    ] as const) {
      const { result, entry } = await world.run(QUERY, { token: await world.token({ agency: 'AAA', roles: [...roles] }), purpose, respond: served });
      assert.deepEqual(
        [result.status, result.body.errors?.[0]?.extensions?.['code'], result.body.errors?.[0]?.extensions?.['allowed'], entry?.attemptToExceedAuthority],
        [403, 'FORBIDDEN', allowed, true],
        `${roles.join()} ${purpose}`,
      );
    }
  });

  it("refuses a missing or unknown purpose as bad input, not as an attempt, and journals no purpose: the caller's text is never journaled", async () => {
    const world = await smallWorld();
    for (const purpose of [undefined, 'curiosity']) {
      const { result, entry } = await world.run(QUERY, { ...(purpose ? { headers: { 'x-purpose': purpose } } : { purpose: '' }), respond: served });
      assert.deepEqual(
        [
          result.status,
          result.body.errors?.[0]?.extensions?.['code'],
          result.body.errors?.[0]?.extensions?.['allowed'],
          entry?.purpose,
          entry?.attemptToExceedAuthority,
        ],
        [400, 'BAD_USER_INPUT', ['check', 'enforce', 'serve'], null, false],
        String(purpose),
      );
    }
  });
});
