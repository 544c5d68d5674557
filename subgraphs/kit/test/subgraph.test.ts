import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { MigrationInterface } from 'typeorm';
import type { SubgraphName } from '../src/catalog';
import { defineSubgraph } from '../src/subgraph';

describe('defineSubgraph', () => {
  class Own implements MigrationInterface {
    async up(): Promise<void> {}
    async down(): Promise<void> {}
  }
  const definition = (name: SubgraphName) => ({
    name,
    resolvers: [class Resolver {}] as [new () => object],
    entities: [],
    migrations: [Own],
    createLoaders: () => ({}),
  });

  it("takes the port and schema from the catalog, and puts the R6 journal before the subgraph's own migrations", () => {
    const module = defineSubgraph(definition('child-data'));
    assert.equal(module.defaultPort, 4008);
    assert.equal(module.schema, 'child_data');
    assert.equal(module.migrations.length, 2);
    assert.equal(new module.migrations[0]!().name, 'QueryJournal1764000000000');
    assert.equal(module.migrations[1], Own);
  });

  it('refuses a name the catalog does not have', () => {
    assert.throws(() => defineSubgraph(definition('citizen' as SubgraphName)), /unknown subgraph "citizen"/);
  });
});
