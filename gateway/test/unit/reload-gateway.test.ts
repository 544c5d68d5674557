import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { loadGatewaySigningKey } from '../../src/identity/keys';
import { RegistrationNumbers } from '../../src/journal/registration';
import { loadPolicies } from '../../src/policy/policies';
import { quotasFromEnv } from '../../src/policy/quotas';
import { readSupergraph } from '../../src/policy/supergraph';
import { operationRegistry } from '../../src/policy/operation-registry';
import { startGateway, type PolicySetParts, type RunningGateway } from '../../src/http/server';
import { smallPolicies, smallSupergraph, smallWorld, type World } from '../support/world';

/**
 * A real gateway (HTTP, Apollo, the pipelines) on a loopback port, over the small world's policies,
 * its subgraphs played by one local server that can hold a fetch: what a reload does to a request
 * already running and to the next one.
 */
/** The person asked for; the subgraph answers their subject field, which the gateway asks for to journal whom a request concerned. */
const FIN = '1AB2C3D';
let world: World;
let gateway: RunningGateway;
let subgraphs: Server;
let policiesDir: string;
let token: string;
/** Set by a test to hold the next subgraph fetch; `reached` resolves when it arrives. */
let holdNext: { reached: () => void; release: Promise<void> } | null = null;

function partsOf(dir: string, supergraph = world.supergraph): PolicySetParts {
  const policies = loadPolicies(dir, world.keysDir);
  const { limits } = world.deps;
  const operations = operationRegistry(dir, { policies, supergraph, limits });
  operations.check();
  return { policies, supergraph, limits, operations };
}

before(async () => {
  world = await smallWorld();
  // people answers the person (and can be held); crossings answers each crossing's `at` with the
  // level the gateway's assertion gave it, so the answer shows which set the call was made under.
  subgraphs = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const answer = (data: unknown) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ data }));
      };
      // The gateway's readiness probe asks each subgraph's /ready.
      if (req.method !== 'POST') return answer({ status: 'ready' });
      if (req.url?.startsWith('/crossings/')) {
        const assertion = (req.headers.authorization ?? '').replace(/^Bearer /, '').split('.')[1] ?? '';
        const { level } = JSON.parse(Buffer.from(assertion, 'base64url').toString('utf8')) as { level: string };
        const { variables } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { variables: { representations: unknown[] } };
        return answer({ _entities: variables.representations.map(() => ({ __typename: 'Person', crossings: [{ at: level }] })) });
      }
      const person = { __typename: 'Person', fin: FIN, hubSubjectFin__: FIN, name: 'Ada' };
      const hold = holdNext;
      holdNext = null;
      if (!hold) return answer({ person });
      hold.reached();
      void hold.release.then(() => answer({ person }));
    });
  });
  await new Promise<void>((resolve) => subgraphs.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(subgraphs.address() as AddressInfo).port}`;
  const supergraph = readSupergraph(smallSupergraph().sdl, {
    people: `${base}/people/graphql`,
    crossings: `${base}/crossings/graphql`,
    foreign: `${base}/foreign/graphql`,
  });
  policiesDir = smallPolicies(world.keysDir).dir;
  const quotas = quotasFromEnv(world.deps.limits.quotas, undefined);
  gateway = await startGateway(
    {
      ...partsOf(policiesDir, supergraph),
      policySet: { sha256: 'a'.repeat(64) },
      signingKey: await loadGatewaySigningKey(world.keysDir),
      subjectKeys: world.deps.subjectKeys,
      consents: world.consents,
      journal: world.journal,
      registrations: new RegistrationNumbers('T02'),
      logger: pino({ level: 'silent' }),
      production: true,
      subgraphTimeoutMs: 5_000,
      quotas,
    },
    0,
    '127.0.0.1',
  );
  world.supergraph = supergraph;
  token = await world.token({ agency: 'AAA' });
});

after(async () => {
  await gateway.stop();
  await new Promise((resolve) => subgraphs.close(resolve));
});

/** The person and their crossings: each crossing's `at` is the level the crossings subgraph was called with. */
async function personCrossings(): Promise<{
  data?: { person: { name: string; crossings: Array<{ at: string }> } | null } | null;
  errors?: unknown[];
  extensions?: { registrationNumber?: string };
}> {
  const response = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-purpose': 'check' },
    body: JSON.stringify({ query: `query { person(fin: "${FIN}") { name crossings { at } } }` }),
  });
  return (await response.json()) as never;
}

describe('a reload in a running gateway', () => {
  it('takes effect for the next request and not for the one in flight', async () => {
    const first = await personCrossings();
    assert.deepEqual(first.data?.person?.crossings, [{ at: 'restricted' }], JSON.stringify(first));

    // AAA's level for crossings goes from restricted to unlimited in the new set.
    const matrixPath = join(policiesDir, 'access-matrix.json');
    const matrix = JSON.parse(readFileSync(matrixPath, 'utf8')) as { agencies: Record<string, { levels: Record<string, string> }> };
    matrix.agencies['AAA']!.levels['crossings'] = 'unlimited';
    writeFileSync(matrixPath, JSON.stringify(matrix));
    const next = { ...partsOf(policiesDir), policySet: { sha256: 'b'.repeat(64) } };

    // A request held at its first subgraph fetch (people) while the set changes; its crossings call comes after the swap.
    let release!: () => void;
    const reached = new Promise<void>((resolve) => {
      holdNext = { reached: resolve, release: new Promise<void>((r) => (release = r)) };
    });
    const inFlight = personCrossings();
    await reached;
    await gateway.reload(next);

    const after = await personCrossings();
    assert.deepEqual(after.data?.person?.crossings, [{ at: 'unlimited' }], JSON.stringify(after));

    release();
    const held = await inFlight;
    assert.deepEqual(held.data?.person?.crossings, [{ at: 'restricted' }], 'the request in flight finished under the set it started with');

    const ready = (await (await fetch(new URL('/ready', gateway.url))).json()) as { policySet?: string };
    assert.equal(ready.policySet, 'b'.repeat(64));

    // Each record names the set it was decided under: the one in flight the old, the next the new, whatever order they were written in.
    const setOf = (answer: { extensions?: { registrationNumber?: string } }) =>
      world.journal.entries.find((e) => e.registrationNumber === answer.extensions?.registrationNumber)?.policySet;
    assert.equal(setOf(held), `sha256:${'a'.repeat(64)}`);
    assert.equal(setOf(after), `sha256:${'b'.repeat(64)}`);
  });

  it("gives the pages, /ready and nothing else of the start's set: they follow the set in force", async () => {
    const page = async () => (await (await fetch(new URL('/playground', gateway.url))).text()).match(/id="hub-config">(.*?)<\/script>/)?.[1] ?? '';
    const ready = async () => ((await (await fetch(new URL('/ready', gateway.url))).json()) as { subgraphs: Record<string, unknown> }).subgraphs;
    assert.match(await page(), /"nameAz":"A orqanı"/);
    assert.deepEqual(Object.keys(await ready()).sort(), ['crossings', 'foreign', 'people']);

    // The next set renames a body and its supergraph drops a subgraph (foreign, bound to no resource).
    const matrixPath = join(policiesDir, 'access-matrix.json');
    const matrix = JSON.parse(readFileSync(matrixPath, 'utf8')) as { agencies: Record<string, { nameAz: string }> };
    matrix.agencies['AAA']!.nameAz = 'A orqanı (yeni ad)';
    writeFileSync(matrixPath, JSON.stringify(matrix));
    const subgraphs = world.supergraph.subgraphs.filter((s) => s.name !== 'foreign');
    await gateway.reload({ ...partsOf(policiesDir), supergraph: { ...world.supergraph, subgraphs }, policySet: { sha256: 'c'.repeat(64) } });

    assert.match(await page(), /"nameAz":"A orqanı \(yeni ad\)"/);
    assert.deepEqual(Object.keys(await ready()).sort(), ['crossings', 'people']);
  });

  it('shows a refusal on /ready and in the metrics, keeping the set in force', async () => {
    const at = new Date('2026-12-07T18:00:00Z');
    gateway.refused(at);
    const ready = (await (await fetch(new URL('/ready', gateway.url))).json()) as { policySet?: string; policySetLastRefusal?: string };
    assert.equal(ready.policySetLastRefusal, at.toISOString());
    assert.equal(ready.policySet, 'c'.repeat(64));
    const metrics = await (await fetch(new URL('/metrics', gateway.url))).text();
    assert.match(metrics, new RegExp(`^hub_policy_set_last_refusal_timestamp_seconds ${at.getTime() / 1000}$`, 'm'));
    assert.match(metrics, new RegExp(`^hub_policy_set_info\\{sha256="${'c'.repeat(64)}"\\} 1$`, 'm'));
  });
});
