import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { AccessPolicy } from '../../src/policy/access';
import { loadPolicies, PolicyError, purposesFor } from '../../src/policy/policies';
import { ResourceMap } from '../../src/policy/resource-map';
import { loadSupergraph } from '../../src/policy/supergraph';

const ROOT = resolve(__dirname, '../../../..');
const POLICIES_DIR = join(ROOT, 'policies');
const KEYS_DIR = '/nonexistent-keys';

type Json = Record<string, any>;

/** A copy of policies/ with one file changed by `change`. */
function policiesWith(file: string, change: (json: Json) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'hub-policies-'));
  cpSync(POLICIES_DIR, dir, { recursive: true });
  const json = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Json;
  change(json);
  writeFileSync(join(dir, file), JSON.stringify(json));
  return dir;
}

describe('policy validation at start-up', () => {
  it('loads the policies of the repository', () => {
    const policies = loadPolicies(POLICIES_DIR, KEYS_DIR);
    assert.ok(policies.agencies.has('MIA'));
    assert.equal(policies.identity.jwksOf('MIA'), 'file:/nonexistent-keys/agencies/MIA.jwks.json');
  });

  const mistakes: Array<[string, string, (json: Json) => void, RegExp]> = [
    [
      'an agency level of an unknown resource',
      'access-matrix.json',
      (j) => {
        j['agencies'].MIA.levels.passports = 'unlimited';
      },
      /access-matrix\.json: MIA\.levels: unknown resource "passports"/,
    ],
    [
      'an unknown level in the matrix',
      'access-matrix.json',
      (j) => {
        j['agencies'].SBS.levels.citizens = 'full';
      },
      /SBS\.levels\.citizens: unknown level "full"/,
    ],
    [
      '"none" written into the matrix instead of leaving the resource out',
      'access-matrix.json',
      (j) => {
        j['agencies'].SBS.levels.blanks = 'none';
      },
      /SBS\.levels\.blanks: unknown level "none"/,
    ],
    [
      'a body feeding an unknown resource',
      'access-matrix.json',
      (j) => {
        j['agencies'].MIA.feeds.push('passports');
      },
      /MIA\.feeds: unknown resource "passports"/,
    ],
    [
      'a resource owned by an unknown agency',
      'resources.json',
      (j) => {
        j['resources'].blanks.owner = 'MINT';
      },
      /blanks\.owner: unknown agency "MINT"/,
    ],
    [
      'two resources bound to one subgraph',
      'resources.json',
      (j) => {
        j['resources'].blanks.subgraph = 'citizens';
      },
      /two resources name the same subgraph/,
    ],
    [
      'an unknown role',
      'roles.json',
      (j) => {
        j['roles'].guest = { purposes: ['audit'], resources: {} };
      },
      /unknown role "guest"/,
    ],
    [
      'a role left undefined',
      'roles.json',
      (j) => {
        delete j['roles'].auditor;
      },
      /role "auditor" is not defined/,
    ],
    [
      'a role with an unknown purpose',
      'roles.json',
      (j) => {
        j['roles'].system.purposes.push('curiosity');
      },
      /system\.purposes: unknown purpose "curiosity"/,
    ],
    [
      'a role granting an unknown resource',
      'roles.json',
      (j) => {
        j['roles'].officer.resources.passports = 'agency';
      },
      /officer\.resources: unknown resource "passports"/,
    ],
    [
      'a role granting an unknown level',
      'roles.json',
      (j) => {
        j['roles'].officer.resources.citizens = 'all';
      },
      /officer\.resources\.citizens: unknown level "all"/,
    ],
    [
      'an HMAC algorithm',
      'identity-providers.json',
      (j) => {
        j['algorithms'].push('HS256');
      },
      /algorithms: "HS256" is not an asymmetric/,
    ],
    [
      'the "none" algorithm',
      'identity-providers.json',
      (j) => {
        j['algorithms'] = ['none'];
      },
      /algorithms: "none" is not an asymmetric/,
    ],
    [
      'a case-number pattern that is not anchored',
      'purposes.json',
      (j) => {
        j['purposes']['criminal-investigation'].caseNumber.pattern = '[0-9]+';
      },
      /criminal-investigation\.caseNumber\.pattern must be anchored/,
    ],
    [
      'a case-number pattern that does not compile',
      'purposes.json',
      (j) => {
        j['purposes']['criminal-investigation'].caseNumber.pattern = '^([0-9]$';
      },
      /criminal-investigation\.caseNumber\.pattern is not a regular expression/,
    ],
    [
      'a purpose with no description',
      'purposes.json',
      (j) => {
        j['purposes']['audit'] = { legalBasis: 'law' };
      },
      /purposes\.json: audit\.description must be a non-empty string/,
    ],
    [
      'a purpose without its legal basis (R5)',
      'purposes.json',
      (j) => {
        delete j['purposes']['audit'].legalBasis;
      },
      /audit\.legalBasis must be "law" or "consent"/,
    ],
    [
      'a purpose hidden from its subject by a non-boolean',
      'purposes.json',
      (j) => {
        j['purposes']['audit'].hiddenFromSubject = 'yes';
      },
      /audit\.hiddenFromSubject must be true or false/,
    ],
    [
      'a purpose claimed by an unknown body',
      'purposes.json',
      (j) => {
        j['purposes']['operative-search'].bodies.push('KGB');
      },
      /purposes\.json: operative-search\.bodies: unknown agency "KGB"/,
    ],
    [
      'a purpose that names no body',
      'purposes.json',
      (j) => {
        delete j['purposes']['identity-check'].bodies;
      },
      /purposes\.json: identity-check\.bodies must list at least one agency/,
    ],
    [
      'a purpose that states no source',
      'purposes.json',
      (j) => {
        delete j['purposes']['border-control'].source;
      },
      /purposes\.json: border-control\.source must be a non-empty string/,
    ],
    [
      'a purpose no role lists',
      'purposes.json',
      (j) => {
        j['purposes']['curiosity'] = { description: 'Curiosity', descriptionAz: 'Maraq', legalBasis: 'law', bodies: ['MIA'], source: 'none' };
      },
      /purposes\.json: curiosity: no role in roles\.json lists it/,
    ],
    [
      'a role that lists a purpose the table gives only to other roles',
      'roles.json',
      (j) => {
        j['roles'].officer.purposes.push('audit');
      },
      /roles\.json: role "officer" lists the purpose "audit", which purposes\.json gives only to the roles auditor/,
    ],
    [
      'a body with access levels that may claim no purpose',
      'purposes.json',
      (j) => {
        for (const purpose of Object.values<Json>(j['purposes'])) purpose['bodies'] = purpose['bodies'].filter((b: string) => b !== 'MCHT');
      },
      /access-matrix\.json: MCHT has access levels, but purposes\.json names it for no purpose/,
    ],
    [
      'identity settings for an unknown agency',
      'identity-providers.json',
      (j) => {
        j['overrides'].XYZ = { issuer: 'urn:x' };
      },
      /overrides: unknown agency "XYZ"/,
    ],
    [
      'a sign-in provider vouching for an unknown body',
      'identity-providers.json',
      (j) => {
        j['signIn'].providers['asan-login'].bodies.push('XYZ');
      },
      /signIn\.providers\.asan-login\.bodies: unknown agency "XYZ"/,
    ],
    [
      'a sign-in provider reached over plain http',
      'identity-providers.json',
      (j) => {
        j['signIn'].providers['asan-login'].issuer = 'http://asanlogin.example';
      },
      /signIn\.providers\.asan-login\.issuer must be an https:\/\/ URL/,
    ],
    [
      'a sign-in acr mapped to an unknown level',
      'identity-providers.json',
      (j) => {
        j['signIn'].providers['asan-login'].acr['urn:x'] = 'very-high';
      },
      /signIn\.providers\.asan-login\.acr\.urn:x: unknown level "very-high"/,
    ],
    [
      'a sign-in provider without its claim for the FİN',
      'identity-providers.json',
      (j) => {
        delete j['signIn'].providers['asan-login'].claims.fin;
      },
      /signIn\.providers\.asan-login\.claims\.fin must be a non-empty string/,
    ],
    [
      'a client secret outside HUB_KEYS_DIR',
      'identity-providers.json',
      (j) => {
        j['signIn'].providers['asan-login'].clientSecretFile = '../secret';
      },
      /signIn\.providers\.asan-login\.clientSecretFile must be a path inside HUB_KEYS_DIR/,
    ],
    [
      'a national provider that is not configured',
      'identity-providers.json',
      (j) => {
        j['signIn'].national = 'e-gov';
      },
      /signIn\.national: no provider named "e-gov"/,
    ],
    [
      'a session idle longer than it may live',
      'identity-providers.json',
      (j) => {
        j['signIn'].session = { idleTimeoutSeconds: 7200, absoluteLifetimeSeconds: 3600 };
      },
      /signIn\.session: idleTimeoutSeconds is longer than absoluteLifetimeSeconds/,
    ],
  ];
  for (const [what, file, change, message] of mistakes) {
    it(`stops on ${what}, naming it`, () => {
      assert.throws(
        () => loadPolicies(policiesWith(file, change), KEYS_DIR),
        (error: unknown) => {
          assert.ok(error instanceof PolicyError, String(error));
          assert.match(error.message, message);
          return true;
        },
      );
    });
  }

  // Written by hand from the law, not read from purposes.json, so a wrong table fails here.
  it('gives intelligence, counter-intelligence and operative search only to the bodies with that authority by law, and audit only to auditors of MIA and MNS', () => {
    const policies = loadPolicies(POLICIES_DIR, KEYS_DIR);
    const search = policies.purposes.get('operative-search')!;
    assert.deepEqual([...search.bodies].sort(), ['MES', 'MIA', 'MNS', 'MOJ', 'MOT', 'PGO', 'SBS', 'SCC', 'SSPS']);
    assert.equal(search.hiddenFromSubject, true);
    for (const body of ['MLSP', 'MOH', 'EGOV', 'MFA', 'MCHT', 'PA', 'SCFWCA'])
      assert.ok(!purposesFor(policies, body, ['officer', 'system']).includes('operative-search'), body);
    const audit = policies.purposes.get('audit')!;
    assert.deepEqual([[...audit.bodies].sort(), audit.roles], [['MIA', 'MNS'], ['auditor']]);
    assert.deepEqual(purposesFor(policies, 'EGOV', ['citizen']), ['self-access']);
    assert.deepEqual(purposesFor(policies, 'MIA', ['auditor']), ['audit']);
  });

  it('stops on a policy file that is not JSON, naming the file', () => {
    const dir = policiesWith('roles.json', () => undefined);
    writeFileSync(join(dir, 'roles.json'), '{ "roles": ');
    assert.throws(
      () => loadPolicies(dir, KEYS_DIR),
      (error: unknown) => error instanceof PolicyError && /policies\/roles\.json/.test(error.message),
    );
  });
});

describe('a subgraph that no policy names', () => {
  it('is refused to every caller, whatever levels it holds', () => {
    const dir = policiesWith('resources.json', (j) => {
      delete j['resources'].appeals;
    });
    for (const [file, change] of [
      [
        'access-matrix.json',
        (j: Json) => {
          for (const agency of Object.values<Json>(j['agencies'])) delete agency['levels'].appeals;
        },
      ],
      [
        'roles.json',
        (j: Json) => {
          for (const role of Object.values<Json>(j['roles'])) delete role['resources'].appeals;
        },
      ],
    ] as const) {
      const json = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Json;
      change(json);
      writeFileSync(join(dir, file), JSON.stringify(json));
    }
    const policies = loadPolicies(dir, KEYS_DIR);
    const supergraph = loadSupergraph(join(ROOT, 'schema/supergraph.graphql'));
    const access = new AccessPolicy(new ResourceMap(supergraph.apiSchema, supergraph, (s) => policies.resourceOfSubgraph.get(s)?.name ?? null));
    assert.equal(policies.resourceOfSubgraph.get('appeals'), undefined);
    assert.equal(policies.resourceOfSubgraph.get('citizens')?.name, 'citizens');

    const document = parse(
      '{ appeal(registrationNumber: "BAK-2025-00000000") { registrationNumber } person(fin: "0YYF118") { fin appeals { registrationNumber } citizen { fin } } }',
    );
    const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
    // Even a caller holding every level, under every name the subgraph might go by.
    const everything = new Map(
      ['citizens', 'foreigners', 'borderCrossings', 'restrictionList', 'blanks', 'audit', 'enforcement', 'childData', 'appeals'].map((r) => [
        r,
        'unlimited' as const,
      ]),
    );
    const decision = access.apply(document, operation, everything);
    assert.deepEqual(
      decision.forbidden.map((f) => f.path.join('.')),
      ['appeal', 'person.appeals'],
    );
    for (const f of decision.forbidden) assert.match(f.resource, /appeals/);
    assert.ok(decision.document);
    const kept = JSON.stringify(decision.document);
    assert.ok(!kept.includes('"appeal"') && !kept.includes('"appeals"'), 'no appeals field is left to plan');
    assert.ok(kept.includes('"citizen"'));
  });
});
