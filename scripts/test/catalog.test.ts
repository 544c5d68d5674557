import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase, SUBGRAPHS } from '@hub/kit';
import { loadSubgraphModule } from '@hub/kit/dev';
import { createTestDatabase, pendingSchemaChanges, type TestDatabase } from '@hub/kit/testing';
import { ROOT } from '../src/processes';

/**
 * The catalog in the kit is the one list of the nine subgraphs; the places that cannot read it
 * (policies, package manifests, the build) are checked against it here, the deployments in
 * compose-file.test.ts and k8s-manifests.test.ts. docs/adding-a-subgraph.md lists them all.
 */
const readJson = <T>(path: string) => JSON.parse(readFileSync(join(ROOT, path), 'utf8')) as T;
const NAMES = SUBGRAPHS.map((s) => s.name);

describe('the subgraph catalog', () => {
  it('binds each subgraph to the resource policies/resources.json binds it to, and no other', () => {
    const { resources } = readJson<{ resources: Record<string, { subgraph: string }> }>('policies/resources.json');
    const inPolicies = Object.entries(resources)
      .map(([resource, { subgraph }]) => `${subgraph} serves ${resource}`)
      .sort();
    assert.deepEqual(SUBGRAPHS.map((s) => `${s.name} serves ${s.resource}`).sort(), inPolicies);
  });

  it('gives every subgraph its own port and database schema, the ports one after another as npm start counts them', () => {
    for (const key of ['name', 'port', 'schema', 'resource'] as const) {
      assert.equal(new Set(SUBGRAPHS.map((s) => s[key])).size, SUBGRAPHS.length, key);
    }
    // The launcher puts the i-th subgraph on SUBGRAPH_BASE_PORT + i (start.ts, subgraph-host.ts).
    assert.deepEqual(
      SUBGRAPHS.map((s) => s.port),
      SUBGRAPHS.map((_, i) => SUBGRAPHS[0].port + i),
    );
  });

  it('names packages @hub/<name> whose module has the name, port and schema of its entry', () => {
    for (const entry of SUBGRAPHS) {
      const module = loadSubgraphModule(entry.name);
      assert.deepEqual({ name: module.name, port: module.defaultPort, schema: module.schema }, { name: entry.name, port: entry.port, schema: entry.schema });
    }
  });

  it('is what the workspaces, the builds and the end-to-end package list', () => {
    const { workspaces } = readJson<{ workspaces: string[] }>('package.json');
    const references = (tsconfig: string) => readJson<{ references: Array<{ path: string }> }>(tsconfig).references.map((r) => r.path);
    const { dependencies } = readJson<{ dependencies: Record<string, string> }>('e2e/package.json');
    const subgraphsIn = (paths: string[]) =>
      paths
        .map((p) => p.replace(/^\.\.\//, ''))
        .filter((p) => p.startsWith('subgraphs/') && p !== 'subgraphs/kit')
        .map((p) => p.slice('subgraphs/'.length))
        .sort();
    assert.deepEqual(subgraphsIn(workspaces), [...NAMES].sort(), 'package.json workspaces');
    assert.deepEqual(subgraphsIn(references('tsconfig.json')), [...NAMES].sort(), 'tsconfig.json references');
    assert.deepEqual(subgraphsIn(references('e2e/tsconfig.json')), [...NAMES].sort(), 'e2e/tsconfig.json references');
    for (const name of NAMES) assert.ok(dependencies[`@hub/${name}`], `e2e does not depend on @hub/${name}`);
  });

  it('has a folder under subgraphs/ for each entry, and an entry for each folder but the kit', () => {
    const folders = readdirSync(join(ROOT, 'subgraphs'), { withFileTypes: true })
      .filter((e) => e.isDirectory() && e.name !== 'kit')
      .map((e) => e.name)
      .sort();
    assert.deepEqual(folders, [...NAMES].sort());
  });
});

describe('every subgraph of the catalog', () => {
  let database: TestDatabase;
  before(async () => {
    database = await createTestDatabase();
  });
  after(async () => {
    await database.drop();
  });

  it('has migrations that build exactly the tables its entities describe, in its own schema', async () => {
    for (const entry of SUBGRAPHS) {
      const module = loadSubgraphModule(entry.name);
      const db = await openDatabase({
        url: database.url,
        schema: module.schema,
        entities: module.entities,
        migrations: module.migrations,
        applicationName: 'catalog-test',
      });
      try {
        assert.deepEqual(await pendingSchemaChanges(db), [], entry.name);
      } finally {
        await db.destroy();
      }
    }
  });
});
