import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { checkPolicySignature, loadPolicies, loadPolicySet, loadSupergraph, urlOverridesFromEnv } from '@hub/gateway';
import { SUBGRAPHS } from '@hub/kit';
import { gatewayKeyFiles, namesTheCodeReads } from './env-names';
import { ROOT } from '../src/processes';

/**
 * docker-compose.yml (production) and docker-compose.demo.yml (the demo, merged over it) are never
 * run here (no Docker engine), so this is what proves them: every service runs a script the build
 * produces, with the ports and environment names the code reads, and keys only where they belong.
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
  restart?: string;
}
interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const load = (file: string) => parse(readFileSync(join(ROOT, file), 'utf8'), { merge: true }) as ComposeFile;
const production = load('docker-compose.yml');
const demoOverride = load('docker-compose.demo.yml');
const services = production.services;
const OUR_SERVICES = Object.keys(services).filter((name) => name !== 'postgres');
const SUBGRAPH_NAMES = SUBGRAPHS.map((s) => s.name);

/** A mount as compose reads the short syntax: `source:target[:mode]`, `${VAR:-default}` as with VAR unset. */
function mount(spec: string): { source: string; target: string; readOnly: boolean; named: boolean } {
  const interpolated = spec.replace(/\$\{[A-Z0-9_]+:-([^}]*)\}/g, '$1');
  assert.doesNotMatch(interpolated, /\$/, `${spec}: only \${VAR:-default} is understood here`);
  const [source = '', target = '', mode] = interpolated.split(':');
  return { source, target, readOnly: mode === 'ro', named: !/^[./~]/.test(source) };
}

/**
 * `docker compose -f docker-compose.yml -f docker-compose.demo.yml`, by the Compose Specification's
 * merge rules for what these files use: mappings merge, `command` is replaced, `volumes` are unique by target.
 */
function merged(base: ComposeFile, override: ComposeFile): ComposeFile {
  const result: Record<string, Service> = structuredClone(base.services);
  for (const [name, over] of Object.entries(override.services)) {
    const into: Service = result[name] ?? {};
    const volumes = new Map((into.volumes ?? []).map((v) => [mount(v).target, v]));
    for (const v of over.volumes ?? []) volumes.set(mount(v).target, v);
    result[name] = {
      ...into,
      ...over,
      environment: { ...into.environment, ...over.environment },
      depends_on: { ...into.depends_on, ...over.depends_on },
      volumes: [...volumes.values()],
    };
  }
  return { services: result, volumes: { ...base.volumes, ...override.volumes } };
}
const demo = merged(production, demoOverride);

const service = (name: string, file: ComposeFile = production) => {
  const found = file.services[name];
  assert.ok(found, `no service "${name}"`);
  return found;
};

describe('docker-compose.yml', () => {
  it('has PostgreSQL, one service per subgraph of the catalog and the gateway, nothing else; the demo adds its identity provider', () => {
    assert.deepEqual(Object.keys(services).sort(), ['gateway', 'postgres', ...SUBGRAPH_NAMES].sort());
    assert.deepEqual(Object.keys(demo.services).sort(), ['demo-identity', 'gateway', 'postgres', ...SUBGRAPH_NAMES].sort());
    assert.match(service('postgres').image ?? '', /^postgres:15/);
    assert.deepEqual(service('postgres').healthcheck?.test.slice(0, 2), ['CMD', 'pg_isready']);
  });

  it("runs every service of ours, the demo's too, from the one image, with a command that points at a script the build produces", () => {
    const image = service('gateway').image;
    for (const name of [...OUR_SERVICES, 'demo-identity']) {
      const { command, image: own, build } = service(name, demo);
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
    for (const name of [...OUR_SERVICES, 'demo-identity']) {
      for (const variable of Object.keys(service(name, demo).environment ?? {})) {
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

  it("gives the gateway only the operator's gateway directory and each subgraph only the subgraphs' one, read-only", () => {
    const operatorKeys = (name: string) => {
      const keysDir = service(name).environment?.['HUB_KEYS_DIR'];
      assert.ok(keysDir, `${name} has no HUB_KEYS_DIR`);
      const mounts = (service(name).volumes ?? []).map(mount);
      assert.equal(mounts.length, 1, `${name} mounts more than its keys: ${service(name).volumes?.join(', ')}`);
      assert.deepEqual([mounts[0]!.target, mounts[0]!.readOnly, mounts[0]!.named], [keysDir, true, false], name);
      return mounts[0]!.source;
    };
    const gateway = operatorKeys('gateway');
    assert.equal(gateway, './keys/gateway');
    // The policy key and the set's signature come with the gateway's keys, read-only, where its configuration names them.
    const keysDir = service('gateway').environment?.['HUB_KEYS_DIR'];
    assert.deepEqual(
      [service('gateway').environment?.['POLICY_JWKS_PATH'], service('gateway').environment?.['POLICY_SIGNATURE_PATH']],
      [`${keysDir}/policy.jwks.json`, `${keysDir}/policy-set.jws`],
    );
    for (const name of SUBGRAPH_NAMES) assert.equal(operatorKeys(name), './keys/subgraphs', `${name} could read more than the gateway's public keys`);
    // Only PostgreSQL keeps state: no volume a key generator could write for every service to read.
    assert.deepEqual(Object.keys(production.volumes ?? {}), ['pgdata']);
    assert.deepEqual(service('postgres').volumes, ['pgdata:/var/lib/postgresql/data']);
  });

  it("requires the gateway's public address from the operator: no default, let alone a loopback http one", () => {
    // Sign-in redirect URIs and DPoP proofs' htu derive from it; `${VAR:?message}` stops compose when it is unset.
    assert.match(service('gateway').environment?.['HUB_PUBLIC_URL'] ?? '', /^\$\{HUB_PUBLIC_URL:\?[^}]+\}$/);
  });

  it('generates no key, mints no token and seeds no demo data', () => {
    for (const name of OUR_SERVICES) {
      assert.doesNotMatch(service(name).command?.join(' ') ?? '', /keys\.js|token\.js|demo-identity\.js/, name);
      assert.equal(service(name).environment?.['HUB_SEED'] ?? 'none', 'none', `${name} seeds demo data`);
      assert.equal(service(name).depends_on?.['demo-identity'], undefined, name);
    }
  });

  it('runs production: the gateway says HUB_MODE=production, no process asks for development, so no token-minting route exists', () => {
    for (const file of [production, demo]) {
      assert.equal(service('gateway', file).environment?.['HUB_MODE'], 'production');
      for (const name of Object.keys(file.services)) assert.notEqual(service(name, file).environment?.['HUB_MODE'], 'development', name);
      // The route is registered only outside production (gateway/src/http/server.ts), and the compose files publish no other entry.
      assert.deepEqual(
        Object.keys(file.services).filter((name) => (file.services[name]?.ports ?? []).length > 0),
        ['gateway'],
      );
    }
  });

  it('builds no key into the image, and leaves local and operator keys out of the build context', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    assert.doesNotMatch(dockerfile, /keys\.js|\.keys|npm run keys/, 'the image builds no keys');
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const dir of ['.keys', 'keys']) assert.ok(ignored.includes(dir), `${dir} would enter the build context`);
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

describe('docker-compose.demo.yml over docker-compose.yml', () => {
  it('needs nothing from the host: every volume it mounts is a named one it declares', () => {
    for (const [name, definition] of Object.entries(demo.services)) {
      for (const spec of definition.volumes ?? []) {
        const { source, named } = mount(spec);
        assert.ok(named, `${name} mounts ${source} from the host`);
        assert.ok(source in (demo.volumes ?? {}), `${name} mounts the undeclared volume ${source}`);
      }
    }
  });

  it('runs its identity provider once before the hub, and seeds every subgraph with the demo population', () => {
    assert.equal(service('demo-identity', demo).restart, 'no');
    for (const name of [...SUBGRAPH_NAMES, 'gateway']) {
      assert.equal(service(name, demo).depends_on?.['demo-identity']?.condition, 'service_completed_successfully', name);
    }
    for (const name of SUBGRAPH_NAMES) assert.equal(service(name, demo).environment?.['HUB_SEED'], 'demo', name);
    assert.equal(service('gateway', demo).environment?.['HUB_SEED'], undefined);
  });

  it("can write its keys as the image's user: the image makes every directory a writable volume is mounted over, owned by node", () => {
    // A new named volume takes the owner of the image's directory it is mounted over; with none there, root's.
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    const made = [...dockerfile.matchAll(/mkdir -p ([^&\n]+)/g)].flatMap((m) => m[1]!.trim().split(/\s+/));
    const owned = [...dockerfile.matchAll(/chown -R node:node ([^&\n]+)/g)].flatMap((m) => m[1]!.trim().split(/\s+/));
    assert.match(dockerfile, /^USER node$/m);
    for (const [name, definition] of Object.entries(demo.services)) {
      if (name === 'postgres') continue;
      for (const m of (definition.volumes ?? []).map(mount).filter((v) => v.named && !v.readOnly)) {
        assert.ok(made.includes(m.target), `${name}: the image does not make ${m.target}`);
        assert.ok(
          owned.some((dir) => m.target === dir || m.target.startsWith(`${dir}/`)),
          `${name}: ${m.target} is not the user node's`,
        );
      }
    }
  });

  it('runs its identity provider only when told where each share goes, naming what is missing', async () => {
    const work = mkdtempSync(join(tmpdir(), 'hub-compose-demo-'));
    try {
      const entry = resolve(ROOT, service('demo-identity', demo).command![1]!);
      const env = { PATH: process.env['PATH'], HUB_KEYS_DIR: join(work, 'identity'), DEMO_SUBGRAPH_KEYS_DIR: join(work, 'subgraphs') };
      await assert.rejects(promisify(execFile)(process.execPath, [entry], { cwd: ROOT, env }), /DEMO_GATEWAY_KEYS_DIR must be set/);
      assert.deepEqual(readdirSync(work), [], 'it made keys anyway');
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it("hands each service its share of the keys its identity provider makes: no agency private key leaves it, the gateway's private key reaches only the gateway", async () => {
    const work = mkdtempSync(join(tmpdir(), 'hub-compose-demo-'));
    try {
      // Each named volume becomes a directory; a container path is the directory of the volume mounted there.
      const volumeDir = (name: string) => join(work, name);
      for (const name of Object.keys(demo.volumes ?? {})) mkdirSync(volumeDir(name));
      const onHost = (serviceName: string, path: string) => {
        const m = (service(serviceName, demo).volumes ?? []).map(mount).find((v) => path === v.target || path.startsWith(`${v.target}/`));
        assert.ok(m, `${serviceName}: nothing is mounted at ${path}`);
        return volumeDir(m.source) + path.slice(m.target.length);
      };
      const identity = service('demo-identity', demo);
      const env = Object.fromEntries(Object.entries(identity.environment ?? {}).map(([k, v]) => [k, v.startsWith('/') ? onHost('demo-identity', v) : v]));
      const provision = () =>
        promisify(execFile)(process.execPath, [resolve(ROOT, identity.command![1]!)], { cwd: ROOT, env: { PATH: process.env['PATH'], ...env } });
      await provision();
      const gatewayJwks = readFileSync(join(onHost('gateway', '/keys'), 'gateway.jwks.json'), 'utf8');
      await provision();
      assert.equal(readFileSync(join(onHost('gateway', '/keys'), 'gateway.jwks.json'), 'utf8'), gatewayJwks, 'a second run replaced the keys');

      const filesUnder = (dir: string): string[] =>
        readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)).map((f) => `${e.name}/${f}`) : [e.name]));
      /** What a service finds in its HUB_KEYS_DIR. */
      const keysOf = (name: string) => {
        const dir = onHost(name, service(name, demo).environment?.['HUB_KEYS_DIR'] ?? '');
        return new Map(filesUnder(dir).map((file) => [file, readFileSync(join(dir, file), 'utf8')]));
      };
      const provider = keysOf('demo-identity');
      const agencies = [...loadPolicies(join(ROOT, 'policies'), '.keys').agencies.keys()];
      const agencyPrivate = new Set(agencies.map((a) => provider.get(`agencies/${a}.private.jwk.json`)));
      assert.equal(agencyPrivate.size, agencies.length, "the identity provider does not hold every agency's private key");

      const gateway = keysOf('gateway');
      assert.deepEqual([...gateway.keys()].sort(), gatewayKeyFiles(agencies));
      // The gateway verifies the tokens the provider signs: the same public keys.
      for (const a of agencies) assert.equal(gateway.get(`agencies/${a}.jwks.json`), provider.get(`agencies/${a}.jwks.json`), a);
      for (const [file, text] of gateway) assert.ok(!agencyPrivate.has(text), `the gateway holds an agency private key as ${file}`);
      // The policy set the gateway reads, signed by the provider's policy key, whose private half stays with it.
      assert.equal(gateway.get('policy.jwks.json'), provider.get('policy.jwks.json'));
      assert.doesNotMatch(gateway.get('policy.jwks.json') ?? '', /"[dk]"\s*:/);
      assert.ok(provider.has('policy-signing.private.jwk.json'));
      const gatewayKeys = onHost('gateway', '/keys');
      // The image's set without people's sign-in: the image has no demo OpenID provider, and a
      // production gateway stops on a sign-in provider it cannot reach (docs/decisions/0022).
      const gatewayPolicies = onHost('gateway', service('gateway', demo).environment?.['POLICIES_DIR'] ?? '');
      assert.equal(loadPolicies(gatewayPolicies, gatewayKeys).signIn, null);
      assert.ok(loadPolicies(join(ROOT, 'policies'), gatewayKeys).signIn, 'the image names a sign-in provider');
      assert.deepEqual(filesUnder(gatewayPolicies).sort(), filesUnder(join(ROOT, 'policies')).sort());
      for (const file of filesUnder(gatewayPolicies).filter((f) => f !== 'identity-providers.json'))
        assert.equal(readFileSync(join(gatewayPolicies, file), 'utf8'), readFileSync(join(ROOT, 'policies', file), 'utf8'), file);
      const set = loadPolicySet({
        policiesDir: gatewayPolicies,
        supergraphPath: join(ROOT, 'schema/supergraph.graphql'),
        keysDir: gatewayKeys,
        subgraphUrls: {},
      });
      await checkPolicySignature(set, { signaturePath: join(gatewayKeys, 'policy-set.jws'), jwksPath: join(gatewayKeys, 'policy.jwks.json') });
      for (const name of SUBGRAPH_NAMES) {
        const keys = keysOf(name);
        assert.deepEqual([...keys.keys()], ['gateway.jwks.json'], name);
        assert.equal(keys.get('gateway.jwks.json'), gateway.get('gateway.jwks.json'), `${name} would not verify the gateway's assertions`);
        // Private JWKs carry "d", secret keys "k".
        assert.doesNotMatch(keys.get('gateway.jwks.json') ?? '', /"[dk]"\s*:/, name);
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
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
