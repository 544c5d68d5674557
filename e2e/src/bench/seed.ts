import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { ensureDevelopmentKeys, loadPolicies } from '@hub/gateway';
import { SUBGRAPHS } from '@hub/kit';
import { POLICIES_DIR } from '../hub';
import { readyTimes, scalePopulation, startPopulated } from './populate';

/**
 * `npm run bench:seed -- [--citizens 1000000] [--keep]`: seeds a population of that size into a
 * fresh database (hub_seed_<citizens>) through the path `npm start` takes (HUB_SEED_CITIZENS, each
 * subgraph its own process), printing progress, then the total time and each schema's. The
 * database is dropped afterwards unless --keep.
 */
const { values: args } = parseArgs({ options: { citizens: { type: 'string', default: '1000000' }, keep: { type: 'boolean', default: false } } });
const CITIZENS = Number(args.citizens);
if (!Number.isInteger(CITIZENS) || CITIZENS < 1) throw new Error(`--citizens must be a positive integer, not ${JSON.stringify(args.citizens)}`);
const SERVER_URL = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const NAME = `hub_seed_${CITIZENS}`;

async function admin(statement: string): Promise<void> {
  const client = new Client({ connectionString: SERVER_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const keysDir = mkdtempSync(join(tmpdir(), 'hub-seed-keys-'));
  await ensureDevelopmentKeys(keysDir, loadPolicies(POLICIES_DIR, keysDir).agencies.keys());
  await admin(`DROP DATABASE IF EXISTS ${NAME}`);
  await admin(`CREATE DATABASE ${NAME}`);
  const url = new URL(SERVER_URL);
  url.pathname = `/${NAME}`;
  const population = scalePopulation(CITIZENS);
  process.stderr.write(`seeding ${CITIZENS} citizens and ${population.foreigners} foreigners into ${NAME} …\n`);
  try {
    const subgraphs = await startPopulated(
      url.toString(),
      population,
      keysDir,
      SUBGRAPHS.map((s) => s.name),
      (line) => process.stderr.write(`${line}\n`),
    );
    await subgraphs.stop();
    console.log(
      `\nSeed: ${CITIZENS} citizens, ${population.foreigners} foreigners, all subgraphs in their own processes: ${subgraphs.seconds.toFixed(0)} s in all`,
    );
    for (const line of readyTimes(subgraphs)) console.log(line);
  } finally {
    if (!args.keep) await admin(`DROP DATABASE IF EXISTS ${NAME} WITH (FORCE)`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
