import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSubgraphModule, subgraphSdl } from '@hub/kit/dev';
import { ROOT } from '../src/processes';
import { EXIT, schemaCheck } from '../src/schema-check';

/**
 * `npm run schema:check`: the restriction-list subgraph's schema as it is now, edited into
 * candidates — breaking, dangerous, safe — and a new ministry's subgraph the policy does not name yet.
 */
const dir = mkdtempSync(join(tmpdir(), 'hub-schema-check-'));
let current = '';

function candidate(name: string, edit: (sdl: string) => string): string {
  const sdl = edit(current);
  assert.notEqual(sdl, current, `the ${name} edit changes nothing`);
  const file = join(dir, `${name}.graphql`);
  writeFileSync(file, sdl);
  return file;
}

/** The command itself, as CI runs it: its exit code and what it printed. */
function run(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(ROOT, 'scripts/dist/src/schema-check.js'), ...args], { cwd: ROOT }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code) : 0, output: stdout + stderr });
    });
  });
}

describe('schema:check', () => {
  before(async () => {
    current = await subgraphSdl(loadSubgraphModule('restriction-list'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('breaking: a field registered operations read is removed — the change and each operation are named, exit 1', async () => {
    const file = candidate('breaking', (sdl) =>
      sdl.replace(/\n\s+"""\n\s+Initiating bodies of the active entries[^"]*"""\n\s+contactAgencies: \[String!\]!/, ''),
    );
    const { code, output } = await run(['--subgraph', 'restriction-list', '--schema', file]);
    assert.equal(code, EXIT.breaking, output);
    assert.match(output, /breaking changes \(1\):\n {2}- RestrictionCheck\.contactAgencies: Field 'contactAgencies' was removed/);
    for (const operation of ['MIA/identityCheckByFin', 'MOJ/debtorByFin', 'SBS/borderCheckByFin', 'SBS/borderCheckByPassport']) {
      assert.match(output, new RegExp(`operation ${operation}\\): does not validate against the supergraph: Cannot query field "contactAgencies"`));
    }
    assert.match(output, /restriction-list: breaking$/m);
  });

  it("breaking: the field where the journal counts a resource's records goes — named as a dependency", async () => {
    const file = candidate('entry', (sdl) => sdl.replace(/\n\s+"""\n\s+Is it on the restriction list[^"]*"""\n\s+restrictionCheck: RestrictionCheck\n/, '\n'));
    const { code, lines } = await schemaCheck(['--subgraph', 'restriction-list', '--schema', file], {});
    assert.equal(code, EXIT.breaking);
    assert.ok(
      lines.includes('  - Person.restrictionCheck disappears: the journal counts the records of restrictionList where an answer enters it here (R6)'),
      lines.join('\n'),
    );
  });

  it('dangerous: an enum value added is listed apart, exit 3', async () => {
    const file = candidate('dangerous', (sdl) => sdl.replace(/(enum RestrictionSubject \{[^}]*VEHICLE\n)/, '$1  VESSEL\n'));
    const { code, output } = await run(['--subgraph', 'restriction-list', '--schema', file]);
    assert.equal(code, EXIT.dangerous, output);
    assert.match(output, /^dangerous changes \(1\):\n {2}- RestrictionSubject\.VESSEL: Enum value 'VESSEL' was added/m);
    assert.doesNotMatch(output, /breaking changes|registered operations/);
  });

  it('safe: a field added, exit 0', async () => {
    const file = candidate('safe', (sdl) => sdl.replace('  checkedAt: DateTimeISO!\n', '  checkedAt: DateTimeISO!\n  listVersion: String\n'));
    const { code, output } = await run(['--subgraph', 'restriction-list', '--schema', file]);
    assert.equal(code, EXIT.safe, output);
    assert.match(output, /^safe changes \(1\):\n {2}- RestrictionCheck\.listVersion: Field 'listVersion' was added/m);
    assert.doesNotMatch(output, /breaking|dangerous changes/);
  });

  it('a field another resource would serve: the policy change is listed, exit 3', async () => {
    // Person is the first type of the schema: only Person.foreigner is taken over.
    const file = candidate('moved', (sdl) =>
      sdl
        .replace('import: ["@key", "@shareable"]', 'import: ["@key", "@shareable", "@override"]')
        .replace('  restrictionCheck: RestrictionCheck\n', '  restrictionCheck: RestrictionCheck\n  foreigner: Foreigner @override(from: "foreigners")\n')
        .concat('\ntype Foreigner @key(fields: "systemNumber", resolvable: false) { systemNumber: ID! }\n'),
    );
    const { code, lines } = await schemaCheck(['--subgraph', 'restriction-list', '--schema', file], {});
    assert.equal(code, EXIT.dangerous, lines.join('\n'));
    assert.ok(
      lines.includes('  - Person.foreigner moves from foreigners to restrictionList: the levels of restrictionList decide who reads it'),
      lines.join('\n'),
    );
  });

  it('an entity that loses its key: the record count depends on it, exit 1', async () => {
    const foreigners = await subgraphSdl(loadSubgraphModule('foreigners'));
    const file = join(dir, 'keyless.graphql');
    writeFileSync(file, foreigners.replace('type Foreigner\n  @key(fields: "systemNumber")\n', 'type Foreigner\n'));
    const { code, lines } = await schemaCheck(['--subgraph', 'foreigners', '--schema', file], {});
    assert.equal(code, EXIT.breaking, lines.join('\n'));
    assert.ok(
      lines.some((l) => l.startsWith('  - Foreigner loses its key: the journal counts each Foreigner as one record')),
      lines.join('\n'),
    );
  });

  it("the FİNs the journal names persons by (R4): a subject type's fin and a root field's fin argument", async () => {
    const file = candidate('anonymous', (sdl) => sdl.replace('documentNumber: String, fin: ID)', 'documentNumber: String)'));
    const root = await schemaCheck(['--subgraph', 'restriction-list', '--schema', file], {});
    assert.equal(root.code, EXIT.breaking);
    assert.ok(root.lines.includes('  - Query.restrictionCheck(fin:) disappears: the journal names the person asked for by key (R4)'), root.lines.join('\n'));

    const citizens = await subgraphSdl(loadSubgraphModule('citizens'));
    const finless = join(dir, 'finless.graphql');
    writeFileSync(finless, citizens.replace('type Citizen {\n  fin: ID!\n', 'type Citizen {\n'));
    const subject = await schemaCheck(['--subgraph', 'citizens', '--schema', finless], {});
    assert.equal(subject.code, EXIT.breaking);
    assert.ok(subject.lines.includes('  - Citizen.fin disappears: the journal names the person a record is about by it (R4)'), subject.lines.join('\n'));
  });

  it('a new subgraph no resource names: its fields would be refused to everyone, so the policy change is listed', async () => {
    const file = join(dir, 'land-registry.graphql');
    writeFileSync(
      file,
      'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])\ntype Person @key(fields: "fin") { fin: ID! landParcels: [String!]! }\n',
    );
    const { code, lines } = await schemaCheck(['--subgraph', 'land-registry', '--schema', file, '--url', 'http://land-registry:4000/graphql'], {});
    assert.equal(code, EXIT.dangerous, lines.join('\n'));
    assert.ok(lines.some((l) => l.includes('subgraph "land-registry" is bound to no resource in policies/resources.json')));
    assert.ok(lines.some((l) => l.startsWith("  - Person.landParcels: Field 'landParcels' was added")));
  });

  it('a candidate that does not compose: the composition errors, exit 2', async () => {
    const file = candidate('conflict', (sdl) => sdl.replace('  fin: ID!\n', '  fin: Int!\n'));
    const { code, lines } = await schemaCheck(['--subgraph', 'restriction-list', '--schema', file], {});
    assert.equal(code, EXIT.composition, lines.join('\n'));
    assert.match(lines.join('\n'), /does not compose[\s\S]*composition errors/);
  });

  it('a subgraph the hub does not have needs its URL; missing arguments print the usage, exit 4', async () => {
    assert.deepEqual((await schemaCheck(['--subgraph', 'land-registry', '--schema', join(dir, 'x.graphql')], {})).code, EXIT.unusable);
    const { code, lines } = await schemaCheck(['--schema', join(dir, 'x.graphql')], {});
    assert.equal(code, EXIT.unusable);
    assert.match(lines.join('\n'), /usage: npm run schema:check/);
  });
});
