import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'pg';
import { QueryJournal } from '@hub/kit';
import { childConfig, runChild, serve } from './child';

/**
 * A benchmark child, the floor: a plain Node HTTP server answering the citizens subgraph's
 * citizen lookup (citizen with documents, by FİN) with one prepared `pg` statement, in the
 * shape that subgraph answers. No GraphQL, no identity, no journal: what the database allows.
 * With `journal`, each answer also waits for its R6 row, written by the kit's own journal writer:
 * the floor a subgraph that must journal before it answers can reach.
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

runChild(async () => {
  const config = childConfig<FloorChildConfig>();
  const pool = new Pool({ connectionString: config.databaseUrl, max: config.poolSize, application_name: 'hub-bench-floor' });
  // The kit's own R6 writer (group commit, a few INSERTs in flight) over this pool.
  const journal = config.journal
    ? new QueryJournal({ query: async (statement, values) => (await pool.query({ ...statement, values })).rows }, 'citizens')
    : null;
  let registration = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const fin = (JSON.parse(Buffer.concat(chunks).toString()) as { variables?: { fin?: string } }).variables?.fin;
      pool
        .query({ ...CITIZEN, values: [fin] })
        .then(async ({ rows }) => {
          const row = rows[0] as { fin: string } | undefined;
          let person = null;
          if (row) {
            const { fin: key, ...citizen } = row;
            person = { __typename: 'Person', fin: key, citizen };
          }
          await journal?.record(`HUB-FLOOR-${registration++}`, person !== null);
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { person } }));
        })
        .catch((error: unknown) => {
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
