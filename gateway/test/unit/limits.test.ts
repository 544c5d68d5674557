import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { limitsFor, type OperationLimits } from '../../src/policy/operation-limits';
import { loadLimitsPolicy } from '../../src/policy/limits';
import { PolicyError } from '../../src/policy/policies';
import { Refusal } from '../../src/pipeline/refusal';

const POLICIES_DIR = resolve(__dirname, '../../../../policies');

type Json = Record<string, any>;

/** A copy of policies/ with limits.json changed by `change`. */
function limitsWith(change: (json: Json) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'hub-limits-'));
  cpSync(POLICIES_DIR, dir, { recursive: true });
  const json = JSON.parse(readFileSync(join(dir, 'limits.json'), 'utf8')) as Json;
  change(json);
  writeFileSync(join(dir, 'limits.json'), JSON.stringify(json));
  return dir;
}

describe('limits policy (policies/limits.json)', () => {
  it('gives every role its limits, the defaults filling what a role leaves out', () => {
    const raw = JSON.parse(readFileSync(join(POLICIES_DIR, 'limits.json'), 'utf8')) as Json;
    const policy = loadLimitsPolicy(POLICIES_DIR);
    for (const role of ['system', 'officer', 'auditor', 'citizen'] as const) {
      assert.deepEqual(policy.byRole.get(role), { ...raw['defaults'], ...raw['roles'][role] }, role);
    }
    assert.equal(policy.requestBodyBytes, raw['requestBodyBytes']);
    assert.deepEqual(policy.quotas, raw['quotas']);
  });

  const mistakes: Array<[string, (json: Json) => void, RegExp]> = [
    [
      'a limit no rule knows',
      (j) => {
        j['roles'].officer.fields = 3;
      },
      /roles\.officer: unknown limit "fields"/,
    ],
    [
      'a role no policy defines',
      (j) => {
        j['roles'].guest = {};
      },
      /unknown role "guest"/,
    ],
    [
      'a role left out',
      (j) => {
        delete j['roles'].citizen;
      },
      /no limits for role "citizen"/,
    ],
    [
      'a limit that is not a positive integer',
      (j) => {
        j['roles'].officer.depth = 0;
      },
      /roles\.officer\.depth must be a positive integer/,
    ],
    [
      'a page larger than the subgraphs serve',
      (j) => {
        j['roles'].auditor.pageSize = 51;
      },
      /roles\.auditor: pageSize and searchResults may not exceed 50/,
    ],
    [
      'a search cap larger than the subgraphs serve',
      (j) => {
        j['defaults'].searchResults = 500;
      },
      /pageSize and searchResults may not exceed 50/,
    ],
    [
      'a missing quota',
      (j) => {
        delete j['quotas'].recordsPerDayPerAgency;
      },
      /quotas\.recordsPerDayPerAgency must be a positive integer/,
    ],
    [
      'a slowdown that starts after the refusal',
      (j) => {
        j['quotas'].enumeration.missesBeforeSlowdown = j['quotas'].enumeration.missesBeforeRefusal;
      },
      /missesBeforeSlowdown must be below missesBeforeRefusal/,
    ],
  ];
  for (const [what, change, message] of mistakes) {
    it(`stops on ${what}, naming it`, () => {
      assert.throws(
        () => loadLimitsPolicy(limitsWith(change)),
        (error: unknown) => error instanceof PolicyError && message.test(error.message),
      );
    });
  }

  it("applies the most generous limits of a caller's roles, and refuses a caller with none", () => {
    const small: OperationLimits = { depth: 2, aliases: 9, directives: 1, tokens: 100, rootFields: 1, cost: 50, pageSize: 5, searchResults: 3 };
    const large: OperationLimits = { depth: 7, aliases: 1, directives: 4, tokens: 90, rootFields: 6, cost: 40, pageSize: 20, searchResults: 1 };
    const byRole = new Map([
      ['officer', small],
      ['auditor', large],
    ] as const);
    assert.deepEqual(limitsFor(byRole, ['officer', 'auditor']), {
      depth: 7,
      aliases: 9,
      directives: 4,
      tokens: 100,
      rootFields: 6,
      cost: 50,
      pageSize: 20,
      searchResults: 3,
    });
    assert.deepEqual(limitsFor(byRole, ['officer']), small);
    assert.throws(
      () => limitsFor(byRole, ['system']),
      (error: unknown) => error instanceof Refusal && error.code === 'FORBIDDEN',
    );
  });
});
