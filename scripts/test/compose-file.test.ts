import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { loadSupergraph, urlOverridesFromEnv } from '@hub/gateway';
import { SUBGRAPHS } from '@hub/kit';
import { namesTheCodeReads } from './env-names';
import { ROOT } from '../src/processes';

/**
 * docker-compose.yml is never run here (no Docker engine), so this is what proves it: every
 * service runs a script the build produces, with the ports and environment names the code reads.
 */
interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  volumes?: string[];
  ports?: string[];
}

const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;
const OUR_SERVICES = Object.keys(services).filter((name) => name !== 'postgres');

const service = (name: string) => {
  const found = services[name];
  assert.ok(found, `docker-compose.yml has no service "${name}"`);
  return found;
};

describe('docker-compose.yml', () => {
  it('has PostgreSQL, the one-shot keys service, one service per subgraph of the catalog and the gateway, nothing else', () => {
    assert.deepEqual(Object.keys(services).sort(), ['gateway', 'keys', 'postgres', ...SUBGRAPHS.map((s) => s.name)].sort());
    assert.match(service('postgres').image ?? '', /^postgres:15/);
    assert.deepEqual(service('postgres').healthcheck?.test.slice(0, 2), ['CMD', 'pg_isready']);
  });

  it('runs every service of ours from the one image, with a command that points at a script the build produces', () => {
    const image = service('gateway').image;
    for (const name of OUR_SERVICES) {
      const { command, image: own, build } = service(name);
      assert.equal(own, image, `${name} uses another image`);
      assert.equal(build, '.', `${name} is not built from the Dockerfile at the root`);
      assert.equal(command?.[0], 'node', `${name} does not run node`);
      const script = command?.[1] ?? '';
      assert.ok(existsSync(resolve(ROOT, script)), `${name} runs ${script}, which the build does not produce`);
    }
    for (const { name } of SUBGRAPHS) assert.deepEqual(service(name).command, ['node', `subgraphs/${name}/dist/src/main.js`]);
    assert.deepEqual(service('gateway').command, ['node', 'gateway/dist/src/main.js']);
  });

  it('starts each subgraph on its catalog port, and the gateway on 4000, published', () => {
    for (const { name, port } of SUBGRAPHS) assert.equal(service(name).environment?.['PORT'], String(port), name);
    assert.equal(service('gateway').environment?.['PORT'], '4000');
    assert.deepEqual(service('gateway').ports, ['4000:4000']);
  });

  it('points the gateway at every subgraph of the checked-in supergraph by service name and catalog port', () => {
    const environment = service('gateway').environment ?? {};
    const expected = Object.fromEntries(SUBGRAPHS.map(({ name, port }) => [name, `http://${name}:${port}/graphql`]));
    assert.deepEqual(urlOverridesFromEnv(environment), expected);
    const supergraphPath = environment['SUPERGRAPH_PATH'] ?? '';
    assert.ok(existsSync(resolve(ROOT, supergraphPath)), `SUPERGRAPH_PATH=${supergraphPath} does not exist`);
    const inSupergraph = loadSupergraph(resolve(ROOT, supergraphPath))
      .subgraphs.map((s) => s.name)
      .sort();
    assert.deepEqual(inSupergraph, Object.keys(expected).sort());
  });

  it('uses only environment variable names the code reads', () => {
    const { names, prefixes } = namesTheCodeReads();
    // The scan itself works: these are read by the subgraphs and the gateway.
    for (const name of ['PORT', 'DATABASE_URL', 'HUB_KEYS_DIR', 'HUB_SEED', 'SUPERGRAPH_PATH']) assert.ok(names.has(name), `the scan missed ${name}`);
    assert.ok(prefixes.has('SUBGRAPH_URL_'));
    for (const name of OUR_SERVICES) {
      for (const variable of Object.keys(service(name).environment ?? {})) {
        const known = names.has(variable) || [...prefixes].some((p) => variable.startsWith(p));
        assert.ok(known, `${name}: no code reads ${variable}`);
      }
    }
  });

  it('connects to the compose PostgreSQL service with its user, password and database', () => {
    const pg = service('postgres').environment ?? {};
    for (const name of [...SUBGRAPHS.map((s) => s.name), 'gateway']) {
      const environment = service(name).environment ?? {};
      const url = new URL(environment['AUDIT_DATABASE_URL'] ?? environment['DATABASE_URL'] ?? '');
      assert.equal(url.hostname, 'postgres', name);
      assert.equal(url.username, pg['POSTGRES_USER'], name);
      assert.equal(url.password, pg['POSTGRES_PASSWORD'], name);
      assert.equal(url.pathname, `/${pg['POSTGRES_DB']}`, name);
    }
  });

  it('creates the development keys once before the subgraphs, in the volume every process reads them from', () => {
    for (const name of OUR_SERVICES) {
      const keysDir = service(name).environment?.['HUB_KEYS_DIR'];
      assert.ok(keysDir, `${name} has no HUB_KEYS_DIR`);
      assert.ok(service(name).volumes?.includes(`keys:${keysDir}`), `${name} does not mount the keys volume at ${keysDir}`);
    }
    for (const { name } of SUBGRAPHS) {
      assert.deepEqual(service(name).depends_on, { keys: { condition: 'service_completed_successfully' }, postgres: { condition: 'service_healthy' } }, name);
      assert.equal(service(name).environment?.['HUB_SEED'], 'demo', name);
    }
  });

  it('runs production: the gateway says HUB_MODE=production, no process asks for development, so no token-minting route exists', () => {
    assert.equal(service('gateway').environment?.['HUB_MODE'], 'production');
    for (const name of OUR_SERVICES) assert.notEqual(service(name).environment?.['HUB_MODE'], 'development', name);
    // The route is registered only outside production (gateway/src/server.ts), and the compose file publishes no other entry.
    assert.deepEqual(
      Object.keys(services).filter((name) => (services[name]?.ports ?? []).length > 0),
      ['gateway'],
    );
  });

  it('creates the keys in the one-shot step before the gateway too, never in the image', () => {
    assert.equal(service('gateway').depends_on?.['keys']?.condition, 'service_completed_successfully');
    assert.deepEqual(service('keys').command, ['node', 'scripts/dist/src/keys.js']);
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    assert.doesNotMatch(dockerfile, /keys\.js|\.keys|npm run keys/, 'the image builds no keys');
    assert.match(readFileSync(join(ROOT, '.dockerignore'), 'utf8'), /^\.keys/m, 'local development keys never enter the build context');
  });

  it('starts the gateway only once every subgraph is healthy', () => {
    const dependsOn = service('gateway').depends_on ?? {};
    for (const { name } of SUBGRAPHS) assert.equal(dependsOn[name]?.condition, 'service_healthy', name);
  });

  it("checks each long-running service's health with a command that passes on GET /ready 200 and fails on 503", async () => {
    const run = promisify(execFile);
    let status = 200;
    let asked = '';
    const server = createServer((req, res) => {
      asked = req.url ?? '';
      res.writeHead(status).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = String((server.address() as AddressInfo).port);
    try {
      for (const name of [...SUBGRAPHS.map((s) => s.name), 'gateway']) {
        const test = service(name).healthcheck?.test ?? [];
        assert.equal(test[0], 'CMD', name);
        const [command, ...args] = test.slice(1);
        // The check runs inside the container, whose environment holds the service's PORT.
        const env = { PATH: process.env['PATH'], ...service(name).environment, PORT: port };
        status = 200;
        await run(command!, args, { env });
        assert.equal(asked, '/ready', name);
        status = 503;
        await assert.rejects(run(command!, args, { env }), name);
      }
    } finally {
      server.close();
    }
  });
});

describe('Dockerfile', () => {
  it('builds on a Node LTS line from 22 on, with npm ci (which compiles), then drops dev packages without rebuilding', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    const major = Number(/^FROM node:(\d+)-bookworm-slim$/m.exec(dockerfile)?.[1]);
    // Even majors are the LTS lines; 20 reached its end of life in April 2026.
    assert.ok(major >= 22 && major % 2 === 0, `node:${major} is not a maintained LTS line`);
    const ci = dockerfile.indexOf('npm ci');
    const prune = dockerfile.indexOf('npm prune --omit=dev --ignore-scripts');
    assert.ok(ci > 0, 'the image is not built with npm ci');
    assert.ok(prune > ci, 'dev packages are pruned before the build, or the prune would rerun the build without TypeScript');
    const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    assert.match(root.scripts['postinstall'] ?? '', /(^|&&\s*)tsc -b(\s|$)/, 'npm ci no longer builds the image');
  });

  it('leaves stale build output out of the image, so tsc -b compiles everything inside it', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim());
    for (const pattern of ['**/node_modules', '**/dist', '**/*.tsbuildinfo']) assert.ok(ignored.includes(pattern), pattern);
  });
});
