import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from 'pg';
import request from 'supertest';
import { loadLimitsPolicy } from '@hub/gateway';
import { blankOf, citizenAt, citizenDocuments, demoPeople, finForCitizen, foreignerAt, vehicleOf } from '@hub/kit/synthetic';
import { POLICIES_DIR, sharedTestHub, type TestHub } from '../../src/hub';

const POLICY = loadLimitsPolicy(POLICIES_DIR);
/** The test hub's default caller is an MIA officer. */
const LIMITS = POLICY.byRole.get('officer')!;

interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, unknown> }>;
  extensions?: { registrationNumber: string };
}

interface Reply {
  status: number;
  body: GraphQLBody;
}

const times = (n: number, make: (i: number) => string) => Array.from({ length: n }, (_, i) => make(i)).join(' ');

/** person › citizen › father › citizen › … with `fin` at the given depth (each field one level). */
function queryOfDepth(depth: number): string {
  let inner = 'fin';
  for (let level = depth - 1; level >= 2; level--) inner = `${level % 2 === 0 ? 'citizen' : 'father'} { ${inner} }`;
  return `query($fin: ID!) { person(fin: $fin) { ${inner} } }`;
}

/**
 * A document of exactly `total` tokens: the operation Q (13 tokens, one more per extra `fin`)
 * and unexecuted padding operations of 5 tokens each; operationName picks Q.
 */
function documentOfTokens(total: number, fin: string): { query: string; operationName: string } {
  const extra = (total - 13) % 5;
  const padding = Array.from({ length: (total - 13 - extra) / 5 }, (_, i) => `query P${i} { __typename }`);
  return { query: [`query Q { person(fin: "${fin}") { fin${' fin'.repeat(extra)} } }`, ...padding].join('\n'), operationName: 'Q' };
}

/** person › citizen › documents(first: a) › crossings(first: b) { direction }, with `extra` more fin fields on person. */
function pagedQuery(a: number, b: number, extra = 0): string {
  return `query($fin: ID!) { person(fin: $fin) { fin${' fin'.repeat(extra)} citizen { documents(first: ${a}) { crossings(first: ${b}) { direction } } } } }`;
}

/**
 * Its cost by the rule in policies: a paginated field costs 1 + first × its children, any
 * other field 1 + its children, a leaf 1.
 */
function pagedCost(a: number, b: number, extra = 0): number {
  const crossings = 1 + b * 1;
  const documents = 1 + a * crossings;
  const citizen = 1 + documents;
  return 1 + (1 + extra) + citizen;
}

describe('operation limits (R7)', () => {
  let hub: TestHub;
  let db: Client;
  let fin: string;

  before(async () => {
    hub = await sharedTestHub('limits');
    db = new Client({ connectionString: hub.database.url });
    await db.connect();
    fin = demoPeople(hub.population).find((p) => p.case === 'citizen-full')!.fin;
  });
  after(async () => {
    await db.end();
  });

  /** A raw POST as the default MIA officer, for bodies hub.query cannot send (operationName, arrays, exact sizes). */
  async function post(body: unknown): Promise<Reply> {
    const token = await hub.token({ agency: 'MIA', roles: ['officer'] });
    const res = await request(hub.gateway.server)
      .post('/graphql')
      .set('content-type', 'application/json')
      .set('authorization', `Bearer ${token}`)
      .set('x-purpose', 'identity-check')
      .send(typeof body === 'string' ? body : JSON.stringify(body));
    return { status: res.status, body: res.body as GraphQLBody };
  }

  async function ask(query: string, variables: Record<string, unknown> = { fin }): Promise<Reply> {
    const res = await hub.query(query, variables);
    return { status: res.status, body: res.body as GraphQLBody };
  }

  async function journalOf(registrationNumber: string) {
    const { rows } = await db.query<{ decision: string; reason: string | null; attempt_to_exceed_authority: boolean }>(
      'SELECT decision, reason, attempt_to_exceed_authority FROM audit.journal WHERE registration_number = $1',
      [registrationNumber],
    );
    assert.equal(rows.length, 1, `one journal record for ${registrationNumber}`);
    return rows[0]!;
  }

  function assertServed(reply: Reply, what: string): void {
    assert.equal(reply.status, 200, `${what}: ${JSON.stringify(reply.body.errors)}`);
    assert.equal(reply.body.errors, undefined, `${what}: ${JSON.stringify(reply.body.errors)}`);
    assert.ok(reply.body.data, what);
  }

  /** Refused with the limit and the measured value, before any subgraph was called, and journaled as an attempt. */
  async function assertTooComplex(reply: Reply, status: number, extensions: { limit: string; max: number; found: number }): Promise<void> {
    const what = `${extensions.limit} ${extensions.found} > ${extensions.max}`;
    assert.equal(reply.status, status, what);
    assert.equal(reply.body.data, undefined, what);
    assert.equal(reply.body.errors?.length, 1, what);
    assert.deepEqual(reply.body.errors![0]!.extensions, { code: 'QUERY_TOO_COMPLEX', ...extensions }, what);
    const registrationNumber = reply.body.extensions!.registrationNumber;
    assert.deepEqual(await hub.subgraphsCalled(registrationNumber), [], `${what}: no subgraph is called`);
    assert.deepEqual(await journalOf(registrationNumber), { decision: 'refused', reason: 'QUERY_TOO_COMPLEX', attempt_to_exceed_authority: true }, what);
  }

  it('depth: an operation at the limit runs, one level deeper is refused', async () => {
    assertServed(await ask(queryOfDepth(LIMITS.depth)), 'at the depth limit');
    await assertTooComplex(await ask(queryOfDepth(LIMITS.depth + 1)), 400, { limit: 'depth', max: LIMITS.depth, found: LIMITS.depth + 1 });
  });

  it('aliases: as many as the limit run, one more is refused', async () => {
    const aliased = (n: number) => `query($fin: ID!) { person(fin: $fin) { ${times(n, (i) => `a${i}: fin`)} } }`;
    assertServed(await ask(aliased(LIMITS.aliases)), 'at the aliases limit');
    await assertTooComplex(await ask(aliased(LIMITS.aliases + 1)), 400, { limit: 'aliases', max: LIMITS.aliases, found: LIMITS.aliases + 1 });
  });

  it('directives: as many as the limit run, one more is refused', async () => {
    const directed = (n: number) => `query($fin: ID!) { person(fin: $fin) { fin ${times(n, () => 'fin @include(if: true)')} } }`;
    assertServed(await ask(directed(LIMITS.directives)), 'at the directives limit');
    await assertTooComplex(await ask(directed(LIMITS.directives + 1)), 400, { limit: 'directives', max: LIMITS.directives, found: LIMITS.directives + 1 });
  });

  it('tokens: a document of exactly the limit runs, one token more is refused', async () => {
    assertServed(await post(documentOfTokens(LIMITS.tokens, fin)), 'at the tokens limit');
    await assertTooComplex(await post(documentOfTokens(LIMITS.tokens + 1, fin)), 400, { limit: 'tokens', max: LIMITS.tokens, found: LIMITS.tokens + 1 });
  });

  it('root fields: as many lookups as the limit run in one request, one more is refused', async () => {
    const population = hub.population;
    const citizen = citizenAt(population, 0);
    const document = citizenDocuments(population, 0)[0]!;
    const blank = blankOf(document.number);
    const lookups = [
      `person(fin: "${fin}") { fin }`,
      `restrictionCheck(fin: "${fin}") { hit }`,
      `document(number: "${document.number}") { number }`,
      `vehicle(registrationNumber: "${vehicleOf(population, 0)!.registrationNumber}") { registrationNumber }`,
      `foreigner(systemNumber: "${foreignerAt(population, 0).systemNumber}") { systemNumber }`,
      `blank(series: "${blank.series}", number: "${blank.number}") { state }`,
      `personsByName(firstName: "${citizen.firstName}", lastName: "${citizen.lastName}", birthDate: "${citizen.birthDate}") { fin }`,
      `childProfile(fin: "${demoPeople(population).find((p) => p.case === 'child')!.fin}") { fin }`,
    ];
    assert.ok(LIMITS.rootFields < lookups.length, 'the test has more distinct lookups than the limit');
    const rooted = (n: number) => `{ ${lookups.slice(0, n).join(' ')} }`;
    assertServed(await ask(rooted(LIMITS.rootFields), {}), 'at the root fields limit');
    await assertTooComplex(await ask(rooted(LIMITS.rootFields + 1), {}), 400, { limit: 'rootFields', max: LIMITS.rootFields, found: LIMITS.rootFields + 1 });
  });

  it('page size: a page of the limit runs, one item more is refused, literal, variable or variable default', async () => {
    const paged = 'query($fin: ID!, $n: Int!) { person(fin: $fin) { borderCrossings(first: $n) { direction } } }';
    assertServed(await ask(paged, { fin, n: LIMITS.pageSize }), 'at the page size limit');
    await assertTooComplex(await ask(paged, { fin, n: LIMITS.pageSize + 1 }), 400, { limit: 'pageSize', max: LIMITS.pageSize, found: LIMITS.pageSize + 1 });
    await assertTooComplex(await ask(`query($fin: ID!) { person(fin: $fin) { appeals(first: ${LIMITS.pageSize + 1}) { kind } } }`), 400, {
      limit: 'pageSize',
      max: LIMITS.pageSize,
      found: LIMITS.pageSize + 1,
    });
    await assertTooComplex(
      await ask(`query($fin: ID!, $n: Int! = ${LIMITS.pageSize + 1}) { person(fin: $fin) { borderCrossings(first: $n) { direction } } }`),
      400,
      { limit: 'pageSize', max: LIMITS.pageSize, found: LIMITS.pageSize + 1 },
    );
  });

  it('cost: lists multiply the cost of what they hold; the same selection with first: 1 runs and with full pages is refused', async () => {
    const page = LIMITS.pageSize;
    assert.ok(pagedCost(page, page) > LIMITS.cost, 'full pages of pages cost more than the limit');
    assertServed(await ask(pagedQuery(1, 1)), 'one document, one crossing');
    await assertTooComplex(await ask(pagedQuery(page, page)), 400, { limit: 'cost', max: LIMITS.cost, found: pagedCost(page, page) });
  });

  it('cost: an operation costing exactly the limit runs, one more is refused', async () => {
    const page = LIMITS.pageSize;
    const documents = Math.floor((LIMITS.cost - pagedCost(0, page)) / (1 + page));
    const extra = LIMITS.cost - pagedCost(documents, page);
    assert.ok(documents <= page && extra >= 0 && extra <= page, 'the limit is reachable with pages of pages');
    assert.equal(pagedCost(documents, page, extra), LIMITS.cost);
    assertServed(await ask(pagedQuery(documents, page, extra)), 'at the cost limit');
    await assertTooComplex(await ask(pagedQuery(documents, page, extra + 1)), 400, { limit: 'cost', max: LIMITS.cost, found: LIMITS.cost + 1 });
  });

  it('cost: fragments spread into each other, too many to count, are refused by cost', async () => {
    // Each level spreads the one below twice: 2^levels fields from a few dozen tokens.
    const levels = 16;
    const fragments = [`fragment F0 on Person { fin }`, ...Array.from({ length: levels }, (_, i) => `fragment F${i + 1} on Person { ...F${i} ...F${i} }`)];
    const reply = await ask(`query($fin: ID!) { person(fin: $fin) { ...F${levels} } }\n${fragments.join('\n')}`);
    assert.equal(reply.status, 400);
    assert.deepEqual(
      reply.body.errors?.map((e) => [e.extensions?.['code'], e.extensions?.['limit'], e.extensions?.['max']]),
      [['QUERY_TOO_COMPLEX', 'cost', LIMITS.cost]],
    );
    assert.ok((reply.body.errors![0]!.extensions!['found'] as number) > LIMITS.cost);
    const registrationNumber = reply.body.extensions!.registrationNumber;
    assert.deepEqual(await hub.subgraphsCalled(registrationNumber), []);
    assert.deepEqual(await journalOf(registrationNumber), { decision: 'refused', reason: 'QUERY_TOO_COMPLEX', attempt_to_exceed_authority: true });
  });

  it('request body: a body of exactly the limit is read, one byte more is refused with 413', async () => {
    const bodyOf = (bytes: number) => {
      const empty = JSON.stringify({ query: 'query($fin: ID!) { person(fin: $fin) { fin } }\n#', variables: { fin } });
      // A comment pads the text: one ASCII byte each, and no tokens.
      const body = JSON.stringify({
        query: `query($fin: ID!) { person(fin: $fin) { fin } }\n#${'x'.repeat(bytes - Buffer.byteLength(empty))}`,
        variables: { fin },
      });
      assert.equal(Buffer.byteLength(body), bytes);
      return body;
    };
    assertServed(await post(bodyOf(POLICY.requestBodyBytes)), 'at the body size limit');
    await assertTooComplex(await post(bodyOf(POLICY.requestBodyBytes + 1)), 413, {
      limit: 'requestBodyBytes',
      max: POLICY.requestBodyBytes,
      found: POLICY.requestBodyBytes + 1,
    });
  });

  it('refuses a batch of operations and several operations without operationName, before any subgraph, and journals it', async () => {
    const one = { query: 'query($fin: ID!) { person(fin: $fin) { fin } }', variables: { fin } };
    for (const [what, body] of [
      ['batch', [one, one]],
      ['two operations', { query: 'query A { person(fin: "x") { fin } } query B { __typename }' }],
    ] as const) {
      const reply = await post(body);
      assert.equal(reply.status, 400, what);
      assert.deepEqual(
        reply.body.errors?.map((e) => e.extensions?.['code']),
        ['BAD_USER_INPUT'],
        what,
      );
      const registrationNumber = reply.body.extensions!.registrationNumber;
      assert.deepEqual(await hub.subgraphsCalled(registrationNumber), [], what);
      assert.deepEqual(await journalOf(registrationNumber), { decision: 'refused', reason: 'BAD_USER_INPUT', attempt_to_exceed_authority: true }, what);
    }
  });

  describe('a search by name and date of birth', () => {
    const cap = LIMITS.searchResults;
    const search = 'query($f: String!, $l: String!, $b: String!) { personsByName(firstName: $f, lastName: $l, birthDate: $b) { fin } }';
    let variables: Record<string, string>;
    /** The FİNs that carry citizen #0's name and date of birth. */
    const namesakes: string[] = [];

    /** Another citizen with citizen #0's name and birth date, under a FİN the generator gives nobody in this population. */
    async function addNamesake(): Promise<void> {
      const newFin = finForCitizen(hub.population.seed, hub.population.citizens + namesakes.length);
      await db.query("INSERT INTO citizens.fin_register (fin, holder) VALUES ($1, 'CITIZEN')", [newFin]);
      await db.query(
        `INSERT INTO citizens.citizen (fin, internal_number, first_name, last_name, patronymic, first_name_key, last_name_key, sex, birth_date, birth_place, marital_status, address, military_status, father_fin, mother_fin)
        SELECT $1, $2, first_name, last_name, patronymic, first_name_key, last_name_key, sex, birth_date, birth_place, marital_status, address, military_status, father_fin, mother_fin
        FROM citizens.citizen WHERE fin = $3`,
        [newFin, `NAMESAKE-${namesakes.length}`, fin],
      );
      namesakes.push(newFin);
    }

    before(async () => {
      const citizen = citizenAt(hub.population, 0);
      variables = { f: citizen.firstName, l: citizen.lastName, b: citizen.birthDate };
      for (let i = 0; i < hub.population.citizens; i++) {
        const other = citizenAt(hub.population, i);
        if (other.firstName === citizen.firstName && other.lastName === citizen.lastName && other.birthDate === citizen.birthDate) namesakes.push(other.fin);
      }
      assert.ok(namesakes.length <= cap, 'the population itself has no search too broad');
      while (namesakes.length < cap) await addNamesake();
    });

    it('returns every match when there are as many as the cap', async () => {
      const reply = await ask(search, variables);
      assertServed(reply, 'as many matches as the cap');
      assert.deepEqual((reply.body.data!['personsByName'] as Array<{ fin: string }>).map((p) => p.fin).sort(), [...namesakes].sort());
    });

    it('is QUERY_TOO_BROAD, not a truncated list, with one match more, and journaled as an attempt', async () => {
      await addNamesake();
      const reply = await ask(search, variables);
      assert.equal(reply.body.data, null, 'no list at all');
      assert.deepEqual(
        reply.body.errors?.map((e) => [e.extensions?.['code'], e.path]),
        [['QUERY_TOO_BROAD', ['personsByName']]],
      );
      assert.match(reply.body.errors![0]!.message, new RegExp(`More than ${cap} persons match`));
      assert.deepEqual(await journalOf(reply.body.extensions!.registrationNumber), {
        decision: 'refused',
        reason: 'QUERY_TOO_BROAD',
        attempt_to_exceed_authority: true,
      });
    });
  });
});
