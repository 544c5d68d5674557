import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { composeLocalSupergraph, SUPERGRAPH_FILE } from '../src/compose';
import { readSupergraph } from '@hub/gateway';
import { SUBGRAPHS } from '@hub/kit';

describe('schema/supergraph.graphql', () => {
  it('composes from the nine subgraphs without errors and is not stale', async () => {
    const { sdl, hints } = await composeLocalSupergraph();
    assert.deepEqual(hints, [], 'composition hints point at inconsistent subgraphs');
    assert.equal(readFileSync(SUPERGRAPH_FILE, 'utf8'), sdl, 'run `npm run compose` and commit schema/supergraph.graphql');
  });

  it('names every subgraph with its default local URL', () => {
    const sdl = readFileSync(SUPERGRAPH_FILE, 'utf8');
    for (const { name, port } of SUBGRAPHS) {
      assert.match(sdl, new RegExp(`@join__graph\\(name: "${name}", url: "http://localhost:${port}/graphql"\\)`));
    }
  });

  it('exposes no way to write and no root field without a key or filter', () => {
    const { apiSchema } = readSupergraph(readFileSync(SUPERGRAPH_FILE, 'utf8'));
    assert.equal(apiSchema.getMutationType(), undefined);
    assert.equal(apiSchema.getSubscriptionType(), undefined);
    // R7: every root query takes a key or a narrow combination; none lists a resource.
    for (const field of Object.values(apiSchema.getQueryType()!.getFields())) {
      assert.ok(field.args.length > 0, `root field without arguments: ${field.name}`);
    }
  });
});
