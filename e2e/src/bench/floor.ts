import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'pg';
import { childConfig, runChild, serve } from './child';

/**
 * A benchmark child, the floor: a plain Node HTTP server answering the citizens subgraph's
 * citizen lookup (citizen with documents, by FİN) with one prepared `pg` statement, in the
 * shape that subgraph answers. No GraphQL, no identity, no journal: what the database allows.
 * With `journal`, each answer also waits for its R6 row to be committed, rows written in groups
 * as the kit writes them: the floor a subgraph that must journal before it answers can reach.
 */
export interface FloorChildConfig {
  databaseUrl: string;
  poolSize: number;
  journal: boolean;
}

const CITIZEN = {
  name: 'bench-floor-citizen',
  text: `SELECT c.fin, c.first_name AS "firstName", c.last_name AS "lastName", to_char(c.birth_date, 'YYYY-MM-DD') AS "birthDate",
      coalesce((SELECT json_agg(json_build_object('number', d.number, 'type', d.type, 'active', d.active) ORDER BY d.active DESC, d.issued_at DESC)
        FROM citizens.document d WHERE d.holder_fin = c.fin), '[]'::json) AS documents
    FROM citizens.citizen c WHERE c.fin = $1`,
};

const JOURNAL = {
  name: 'bench-floor-journal',
  text: 'INSERT INTO citizens.query_journal (registration_number, positive) SELECT * FROM unnest($1::text[], $2::boolean[])',
};

/** Group commit with a few INSERTs in flight, as subgraphs/kit/src/journal.ts does. */
function groupCommit(pool: Pool): (positive: boolean) => Promise<void> {
  let queue: Array<{ positive: boolean; done: (error?: Error) => void }> = [];
  let inFlight = 0;
  let n = 0;
  const next = (): void => {
    while (inFlight < 3 && queue.length > 0) {
      const batch = queue;
      queue = [];
      inFlight += 1;
      pool.query({ ...JOURNAL, values: [batch.map(() => `HUB-FLOOR-${n++}`), batch.map((p) => p.positive)] }).then(
        () => { for (const p of batch) p.done(); },
        (error: unknown) => { for (const p of batch) p.done(error as Error); },
      ).finally(() => {
        inFlight -= 1;
        next();
      });
    }
  };
  return (positive) => new Promise((resolve, reject) => {
    queue.push({ positive, done: (error) => (error ? reject(error) : resolve()) });
    next();
  });
}

runChild(async () => {
  const config = childConfig<FloorChildConfig>();
  const pool = new Pool({ connectionString: config.databaseUrl, max: config.poolSize, application_name: 'hub-bench-floor' });
  const journal = config.journal ? groupCommit(pool) : async () => {};
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const fin = (JSON.parse(Buffer.concat(chunks).toString()) as { variables?: { fin?: string } }).variables?.fin;
      pool.query({ ...CITIZEN, values: [fin] }).then(async ({ rows }) => {
        const row = rows[0] as { fin: string } | undefined;
        let person = null;
        if (row) {
          const { fin: key, ...citizen } = row;
          person = { __typename: 'Person', fin: key, citizen };
        }
        await journal(person !== null);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { person } }));
      }).catch((error: unknown) => {
        res.writeHead(500).end((error as Error).message);
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  serve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await pool.end();
  });
});
