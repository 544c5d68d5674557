import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment' with { 'resolution-mode': 'import' };
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler' with { 'resolution-mode': 'import' };
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy' with { 'resolution-mode': 'import' };
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget' with { 'resolution-mode': 'import' };
import type { IContainer } from 'kubernetes-models/v1/Container' with { 'resolution-mode': 'import' };
import type { IService } from 'kubernetes-models/v1/Service' with { 'resolution-mode': 'import' };
import { ensureDevelopmentKeys, loadPolicies, loadSupergraph, urlOverridesFromEnv } from '@hub/gateway';
import { signPolicies } from '../src/policies-sign';
import { DEFAULT_SHUTDOWN_GRACE_MS } from '@hub/kit';
import { SUBGRAPHS } from '@hub/kit';
import { gatewayKeyFiles, namesTheCodeReads } from './env-names';
import { ROOT } from '../src/processes';

/**
 * deploy/k8s is never applied here (no cluster), so this is what proves it: every object is
 * valid against the Kubernetes schemas, and every workload runs what the build produces, on
 * the catalog's ports, with the environment names the code reads and keys only from Secrets.
 */
const DIR = join(ROOT, 'deploy/k8s');
type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> }; [field: string]: unknown };
type Model = new (data: unknown) => { validate(): void };

// ESM-only package, so imported on demand; a kind missing here fails the test until its model is added.
const MODELS: Record<string, () => Promise<Model>> = {
  'apps/v1 Deployment': async () => (await import('kubernetes-models/apps/v1/Deployment')).Deployment as unknown as Model,
  'v1 Service': async () => (await import('kubernetes-models/v1/Service')).Service as unknown as Model,
  'v1 Secret': async () => (await import('kubernetes-models/v1/Secret')).Secret as unknown as Model,
  'v1 ConfigMap': async () => (await import('kubernetes-models/v1/ConfigMap')).ConfigMap as unknown as Model,
  'policy/v1 PodDisruptionBudget': async () => (await import('kubernetes-models/policy/v1/PodDisruptionBudget')).PodDisruptionBudget as unknown as Model,
  'autoscaling/v2 HorizontalPodAutoscaler': async () =>
    (await import('kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler')).HorizontalPodAutoscaler as unknown as Model,
  'networking.k8s.io/v1 NetworkPolicy': async () => (await import('kubernetes-models/networking.k8s.io/v1/NetworkPolicy')).NetworkPolicy as unknown as Model,
};

const kubectlOnPath = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;

function documents(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((doc) => doc.toJS() as K8sObject)
    .filter((object) => object !== null);
}

const kustomization = parse(readFileSync(join(DIR, 'kustomization.yaml'), 'utf8')) as { resources: string[] } & Record<string, unknown>;
const listedFiles = (): K8sObject[] => kustomization.resources.flatMap((file) => documents(readFileSync(join(DIR, file), 'utf8')));
const rendered: K8sObject[] = kubectlOnPath ? documents(execFileSync('kubectl', ['kustomize', DIR], { encoding: 'utf8' })) : listedFiles();

const ofKind = <T>(kind: string) => rendered.filter((o) => o.kind === kind) as unknown as (T & K8sObject)[];
function named<T>(kind: string, name: string): T & K8sObject {
  const found = ofKind<T>(kind).find((o) => o.metadata.name === name);
  assert.ok(found, `deploy/k8s has no ${kind} "${name}"`);
  return found;
}

const deployments = () => ofKind<IDeployment>('Deployment');
const containerOf = (deployment: IDeployment & K8sObject): IContainer => {
  const containers = deployment.spec?.template.spec?.containers ?? [];
  assert.equal(containers.length, 1, `${deployment.metadata.name} runs one container`);
  return containers[0]!;
};
const literalEnv = (container: IContainer) => Object.fromEntries((container.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
const podLabels = (deployment: IDeployment & K8sObject) => deployment.spec?.template.metadata?.labels ?? {};
const matches = (selector: Record<string, string> | undefined, labels: Record<string, string>) =>
  selector !== undefined && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

/** Every (Secret, key) a workload reads: secretKeyRef env and secret volume items. */
function secretKeysReferenced(deployment: IDeployment & K8sObject): Map<string, Set<string>> {
  const refs = new Map<string, Set<string>>();
  const add = (secret: string, key: string) => refs.set(secret, (refs.get(secret) ?? new Set()).add(key));
  for (const e of containerOf(deployment).env ?? []) {
    const ref = e.valueFrom?.secretKeyRef;
    if (ref) add(ref.name!, ref.key);
  }
  for (const volume of deployment.spec?.template.spec?.volumes ?? []) {
    const secrets = [
      ...(volume.secret ? [{ name: volume.secret.secretName!, items: volume.secret.items }] : []),
      ...(volume.projected?.sources ?? []).flatMap((s) => (s.secret ? [s.secret] : [])),
    ];
    for (const secret of secrets) {
      assert.ok(secret.items?.length, `${deployment.metadata.name}: Secret ${secret.name} is mounted whole; list the keys it needs`);
      for (const item of secret.items) add(secret.name!, item.key);
    }
  }
  return refs;
}

/** The files HUB_KEYS_DIR holds in the pod: paths of the secret volume mounted there. */
function keyFiles(deployment: IDeployment & K8sObject): string[] {
  const container = containerOf(deployment);
  const keysDir = literalEnv(container)['HUB_KEYS_DIR'];
  const mount = container.volumeMounts?.find((m) => m.mountPath === keysDir);
  assert.ok(mount, `${deployment.metadata.name}: nothing is mounted at HUB_KEYS_DIR=${keysDir}`);
  assert.equal(mount.readOnly, true, `${deployment.metadata.name}: the keys are mounted writable`);
  const volume = deployment.spec?.template.spec?.volumes?.find((v) => v.name === mount.name);
  return (volume?.projected?.sources ?? []).flatMap((s) => (s.secret?.items ?? []).map((i) => i.path)).sort();
}

describe('deploy/k8s', () => {
  before(() => assert.ok(rendered.length > 0, 'no objects rendered'));

  it('lists plain resources only, so reading the files gives what kubectl kustomize renders', () => {
    assert.deepEqual(Object.keys(kustomization).sort(), ['apiVersion', 'kind', 'resources']);
    if (!kubectlOnPath) return;
    const key = (o: K8sObject) => `${o.kind}/${o.metadata.name}`;
    const byKey = (objects: K8sObject[]) => new Map(objects.map((o) => [key(o), o]));
    assert.deepEqual(byKey(rendered), byKey(listedFiles()));
  });

  it('validates every object against the Kubernetes schemas', async () => {
    for (const object of rendered) {
      const where = `${object.kind}/${object.metadata?.name}`;
      const load = MODELS[`${object.apiVersion} ${object.kind}`];
      assert.ok(load, `${where}: no schema known for ${object.apiVersion} ${object.kind}`);
      const Model = await load();
      assert.doesNotThrow(() => new Model(object).validate(), where);
    }
    const names = rendered.map((o) => `${o.kind}/${o.metadata.name}`);
    assert.equal(new Set(names).size, names.length, 'two objects share a kind and name');
  });

  it('has a Deployment, a Service and a NetworkPolicy for each subgraph of the catalog, and the gateway', () => {
    assert.deepEqual(
      deployments()
        .map((d) => d.metadata.name)
        .sort(),
      ['gateway', ...SUBGRAPHS.map((s) => s.name)].sort(),
    );
    for (const { name } of [...SUBGRAPHS, { name: 'gateway' }]) {
      const deployment = named<IDeployment>('Deployment', name);
      assert.ok(matches(deployment.spec?.selector.matchLabels, podLabels(deployment)), `${name}: the selector does not select its own pods`);
      assert.ok(matches(named<IService>('Service', name).spec?.selector, podLabels(deployment)), `${name}: the Service selects other pods`);
      named<INetworkPolicy>('NetworkPolicy', name);
    }
  });

  it('runs the entry files docker-compose runs, which the build produces', () => {
    const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, { command?: string[] }> };
    for (const deployment of deployments()) {
      const { name } = deployment.metadata;
      const { command, args } = containerOf(deployment);
      assert.equal(args, undefined, `${name}: args would change the entry`);
      assert.deepEqual(command, compose.services[name]?.command, `${name}: not the command docker-compose runs`);
      assert.equal(command?.[0], 'node', name);
      assert.ok(existsSync(resolve(ROOT, command?.[1] ?? '')), `${name} runs ${command?.[1]}, which the build does not produce`);
    }
    for (const { name } of SUBGRAPHS) assert.deepEqual(containerOf(named('Deployment', name)).command, ['node', `subgraphs/${name}/dist/src/main.js`]);
  });

  it('listens, serves and admits each subgraph on its catalog port, and the gateway on 4000', () => {
    for (const { name, port } of [...SUBGRAPHS, { name: 'gateway', port: 4000 }]) {
      const container = containerOf(named<IDeployment>('Deployment', name));
      assert.equal(literalEnv(container)['PORT'], String(port), `${name}: PORT`);
      assert.deepEqual(
        container.ports?.map((p) => [p.name, p.containerPort]),
        [['http', port]],
        `${name}: containerPort`,
      );
      assert.deepEqual(
        named<IService>('Service', name).spec?.ports?.map((p) => [p.port, p.targetPort]),
        [[port, 'http']],
        `${name}: Service port`,
      );
      const admitted = named<INetworkPolicy>('NetworkPolicy', name).spec?.ingress?.flatMap((rule) => (rule.ports ?? []).map((p) => p.port));
      assert.deepEqual(admitted, [port], `${name}: NetworkPolicy port`);
    }
  });

  it('points the gateway at every subgraph of the checked-in supergraph by Service name and catalog port', () => {
    const environment = literalEnv(containerOf(named('Deployment', 'gateway')));
    const expected = Object.fromEntries(SUBGRAPHS.map(({ name, port }) => [name, `http://${name}:${port}/graphql`]));
    assert.deepEqual(urlOverridesFromEnv(environment), expected);
    const supergraphPath = environment['SUPERGRAPH_PATH'] ?? '';
    assert.ok(existsSync(resolve(ROOT, supergraphPath)), `SUPERGRAPH_PATH=${supergraphPath} does not exist`);
    assert.deepEqual(
      loadSupergraph(resolve(ROOT, supergraphPath))
        .subgraphs.map((s) => s.name)
        .sort(),
      Object.keys(expected).sort(),
    );
  });

  it('sets only environment variable names the code reads, HUB_MODE=production everywhere', () => {
    const { names, prefixes } = namesTheCodeReads();
    for (const name of ['PORT', 'DATABASE_URL', 'AUDIT_DATABASE_URL', 'REDIS_URL', 'HUB_MODE', 'HUB_KEYS_DIR', 'SHUTDOWN_GRACE_MS'])
      assert.ok(names.has(name), `the scan missed ${name}`);
    for (const deployment of deployments()) {
      const container = containerOf(deployment);
      assert.equal(container.envFrom, undefined, `${deployment.metadata.name}: envFrom hides which names it sets`);
      for (const { name } of container.env ?? []) {
        assert.ok(names.has(name) || [...prefixes].some((p) => name.startsWith(p)), `${deployment.metadata.name}: no code reads ${name}`);
      }
      assert.equal(literalEnv(container)['HUB_MODE'], 'production', deployment.metadata.name);
    }
  });

  it("leaves the gateway's public address to the operator's overlay: named, with no value to fall back on", () => {
    // Sign-in redirect URIs and DPoP proofs' htu derive from it; a base value would be someone else's address.
    const entry = containerOf(named('Deployment', 'gateway')).env?.find((e) => e.name === 'HUB_PUBLIC_URL');
    assert.ok(entry, 'the gateway does not name HUB_PUBLIC_URL');
    assert.deepEqual([entry.value, entry.valueFrom], [undefined, undefined]);
  });

  it('takes connection URLs from Secrets and holds no secret material itself', () => {
    for (const secret of ofKind<{ data?: unknown; stringData?: unknown }>('Secret')) {
      assert.equal(secret.data, undefined, `Secret ${secret.metadata.name} has data`);
      assert.equal(secret.stringData, undefined, `Secret ${secret.metadata.name} has stringData`);
    }
    for (const deployment of deployments()) {
      for (const e of containerOf(deployment).env ?? []) {
        if (/_URL$/.test(e.name) && !e.name.startsWith('SUBGRAPH_URL_') && e.name !== 'HUB_PUBLIC_URL')
          assert.ok(e.valueFrom?.secretKeyRef, `${deployment.metadata.name}: ${e.name} is not read from a Secret`);
      }
    }
    const subgraphUrl = containerOf(named('Deployment', 'citizens')).env?.find((e) => e.name === 'DATABASE_URL');
    assert.ok(subgraphUrl?.valueFrom?.secretKeyRef, 'the subgraphs have no DATABASE_URL from a Secret');
    const gatewayEnv = containerOf(named('Deployment', 'gateway')).env ?? [];
    for (const name of ['AUDIT_DATABASE_URL', 'REDIS_URL'])
      assert.ok(gatewayEnv.find((e) => e.name === name)?.valueFrom?.secretKeyRef, `the gateway has no ${name} from a Secret`);
    for (const name of ['hub-postgres', 'hub-redis']) assert.equal(named<IService>('Service', name).spec?.type, 'ExternalName', name);
  });

  it("mounts the gateway's signing key and every agency's JWKS for the gateway, and only the gateway's public keys for the subgraphs", () => {
    const agencies = [...loadPolicies(join(ROOT, 'policies'), '.keys').agencies.keys()];
    assert.ok(agencies.length > 0);
    const signIn = loadPolicies(join(ROOT, 'policies'), '.keys').signIn;
    assert.ok(signIn, 'the policies name no sign-in provider');
    const secretFiles = [...signIn.providers.values()].map((p) => p.clientSecretFile);
    assert.deepEqual(keyFiles(named('Deployment', 'gateway')), gatewayKeyFiles(agencies, secretFiles));
    // The policy set's key and signature are where the gateway's configuration names them.
    const env = literalEnv(containerOf(named('Deployment', 'gateway')));
    assert.deepEqual([env['POLICY_JWKS_PATH'], env['POLICY_SIGNATURE_PATH']], ['/keys/policy.jwks.json', '/keys/policy-set.jws']);
    for (const { name } of SUBGRAPHS) assert.deepEqual(keyFiles(named('Deployment', name)), ['gateway.jwks.json'], name);
  });

  it('probes readiness on /ready and liveness (and start-up) on /health, on the serving port', () => {
    for (const deployment of deployments()) {
      const { readinessProbe, livenessProbe, startupProbe } = containerOf(deployment);
      const where = deployment.metadata.name;
      assert.deepEqual([readinessProbe?.httpGet?.path, readinessProbe?.httpGet?.port], ['/ready', 'http'], where);
      assert.deepEqual([livenessProbe?.httpGet?.path, livenessProbe?.httpGet?.port], ['/health', 'http'], where);
      if (startupProbe) assert.deepEqual([startupProbe.httpGet?.path, startupProbe.httpGet?.port], ['/health', 'http'], where);
    }
  });

  it('runs every container non-root, read-only, unprivileged and bounded', () => {
    for (const deployment of deployments()) {
      const where = deployment.metadata.name;
      const pod = deployment.spec?.template.spec;
      assert.equal(pod?.securityContext?.runAsNonRoot, true, where);
      assert.ok((pod?.securityContext?.runAsUser ?? 0) > 0, `${where}: runAsUser must be a non-zero number the kubelet can check`);
      assert.equal(pod?.automountServiceAccountToken, false, `${where}: no pod here talks to the Kubernetes API`);
      const { securityContext, resources } = containerOf(deployment);
      assert.equal(securityContext?.runAsNonRoot, true, where);
      assert.equal(securityContext?.readOnlyRootFilesystem, true, where);
      assert.equal(securityContext?.allowPrivilegeEscalation, false, where);
      assert.equal(securityContext?.privileged ?? false, false, where);
      assert.deepEqual(securityContext?.capabilities?.drop, ['ALL'], where);
      assert.equal(securityContext?.capabilities?.add, undefined, where);
      for (const bound of ['requests', 'limits'] as const) {
        for (const resource of ['cpu', 'memory']) assert.ok(resources?.[bound]?.[resource], `${where}: no ${resource} ${bound}`);
      }
    }
  });

  it('waits longer before killing a pod than the pause before SIGTERM plus SHUTDOWN_GRACE_MS', () => {
    for (const deployment of deployments()) {
      const container = containerOf(deployment);
      const graceMs = Number(literalEnv(container)['SHUTDOWN_GRACE_MS'] ?? DEFAULT_SHUTDOWN_GRACE_MS);
      const preStop = container.lifecycle?.preStop?.exec?.command ?? [];
      const pauseMs = preStop[0] === 'sleep' ? Number(preStop[1]) * 1000 : 0;
      const terminationMs = (deployment.spec?.template.spec?.terminationGracePeriodSeconds ?? 30) * 1000;
      assert.ok(terminationMs > pauseMs + graceMs, `${deployment.metadata.name}: ${terminationMs} ms to stop, ${pauseMs} + ${graceMs} ms needed`);
    }
  });

  it('keeps the gateway available through disruptions and scales it by an autoscaler that owns the replica count', () => {
    const gateway = named<IDeployment>('Deployment', 'gateway');
    assert.equal(gateway.spec?.replicas, undefined, 'the gateway Deployment sets replicas, which every apply would reset under the autoscaler');
    const budgets = ofKind<IPodDisruptionBudget>('PodDisruptionBudget').filter((pdb) => matches(pdb.spec?.selector?.matchLabels, podLabels(gateway)));
    assert.equal(budgets.length, 1, 'no PodDisruptionBudget selects the gateway pods');
    assert.ok(budgets[0]!.spec?.minAvailable !== undefined || budgets[0]!.spec?.maxUnavailable !== undefined);
    const scalers = ofKind<IHorizontalPodAutoscaler>('HorizontalPodAutoscaler').filter(
      (h) => h.spec?.scaleTargetRef.kind === 'Deployment' && h.spec.scaleTargetRef.name === 'gateway',
    );
    assert.equal(scalers.length, 1, 'no HorizontalPodAutoscaler scales the gateway');
    const { minReplicas = 1, maxReplicas } = scalers[0]!.spec!;
    assert.ok(minReplicas >= 2 && maxReplicas >= minReplicas, `the gateway scales between ${minReplicas} and ${maxReplicas}`);
  });

  it('denies ingress by default, lets only gateway pods reach a subgraph, and anyone reach the gateway on its port', () => {
    const policies = ofKind<INetworkPolicy>('NetworkPolicy');
    const denyAll = policies.filter((p) => Object.keys(p.spec?.podSelector ?? {}).length === 0);
    assert.equal(denyAll.length, 1, 'no single default-deny policy');
    assert.deepEqual(denyAll[0]!.spec?.policyTypes, ['Ingress']);
    assert.equal(denyAll[0]!.spec?.ingress, undefined, 'the default policy admits something');
    const gatewayPods = podLabels(named('Deployment', 'gateway'));
    for (const deployment of deployments()) {
      const pods = podLabels(deployment);
      const own = policies.filter((p) => matches(p.spec?.podSelector?.matchLabels, pods));
      assert.deepEqual(
        own.map((p) => p.metadata.name),
        [deployment.metadata.name],
        `${deployment.metadata.name}: policies selecting its pods`,
      );
      const rules = own[0]!.spec?.ingress ?? [];
      assert.equal(rules.length, 1, deployment.metadata.name);
      const from = rules[0]!.from;
      if (deployment.metadata.name === 'gateway') {
        assert.equal(from, undefined, 'the gateway must accept callers from anywhere');
      } else {
        assert.equal(from?.length, 1, deployment.metadata.name);
        assert.equal(from[0]!.namespaceSelector, undefined, `${deployment.metadata.name} admits other namespaces`);
        assert.equal(from[0]!.ipBlock, undefined, `${deployment.metadata.name} admits addresses`);
        assert.ok(matches(from[0]!.podSelector?.matchLabels, gatewayPods), `${deployment.metadata.name} admits pods other than the gateway`);
        const subgraphPods = SUBGRAPHS.map((s) => podLabels(named('Deployment', s.name)));
        assert.ok(!subgraphPods.some((labels) => matches(from[0]!.podSelector?.matchLabels, labels)), `${deployment.metadata.name} admits subgraph pods`);
      }
    }
  });

  it('declares the nine subgraphs alike, but for name and port', () => {
    const shape = (name: string, port: number) => JSON.stringify(named('Deployment', name)).replaceAll(name, 'NAME').replaceAll(String(port), 'PORT');
    const [first, ...rest] = SUBGRAPHS;
    for (const { name, port } of rest) assert.equal(shape(name, port), shape(first.name, first.port), name);
  });
});

describe('deploy/k8s/create-secrets.sh', () => {
  it('creates exactly the Secrets and keys the manifests read, with no agency private key', async () => {
    const work = mkdtempSync(join(tmpdir(), 'hub-k8s-secrets-'));
    try {
      const keysDir = join(work, 'keys');
      const agencies = [...loadPolicies(join(ROOT, 'policies'), '.keys').agencies.keys()];
      await ensureDevelopmentKeys(keysDir, agencies);
      // The policy signing key where `npm run policies:sign -- --new-key` puts it by default: it must stay behind.
      await signPolicies({ HUB_KEYS_DIR: keysDir }, { newKey: true });
      // The national sign-in provider's client secret, as it issued it.
      mkdirSync(join(keysDir, 'sign-in'));
      writeFileSync(join(keysDir, 'sign-in/asan-login.secret'), 'a-client-secret-of-the-provider');
      // A kubectl that records each Secret it is asked to create, with the contents of its files.
      const log = join(work, 'created.jsonl');
      const fake = join(work, 'kubectl.js');
      writeFileSync(
        fake,
        `
const { appendFileSync, readFileSync } = require('node:fs');
const { basename } = require('node:path');
const [verb, what, type, name, ...rest] = process.argv.slice(2);
const entries = {};
const options = [];
for (const arg of rest) {
  if (!arg.startsWith('--from-file=')) { options.push(arg); continue; }
  const spec = arg.slice('--from-file='.length);
  const [key, path] = spec.includes('=') ? spec.split(/=(.*)/s) : [basename(spec), spec];
  entries[key] = readFileSync(path, 'utf8');
}
appendFileSync(${JSON.stringify(log)}, JSON.stringify({ command: [verb, what, type], name, entries, options }) + '\\n');
`,
      );
      const bin = join(work, 'bin');
      mkdirSync(bin);
      writeFileSync(join(bin, 'kubectl'), `#!/bin/sh\nexec "${process.execPath}" "${fake}" "$@"\n`);
      chmodSync(join(bin, 'kubectl'), 0o755);
      const urls = {
        DATABASE_URL: 'postgres://hub:s3cret@hub-postgres:5432/hub',
        AUDIT_DATABASE_URL: 'postgres://journal:s3cret@hub-postgres:5432/hub',
        REDIS_URL: 'redis://:s3cret@hub-redis:6379',
      };
      const result = spawnSync('bash', [join(DIR, 'create-secrets.sh'), keysDir, '-n', 'hub'], {
        env: { PATH: `${bin}:${dirname(process.execPath)}:${process.env['PATH']}`, ...urls },
        encoding: 'utf8',
      });
      assert.equal(result.status, 0, result.stderr);

      const created = readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { command: string[]; name: string; entries: Record<string, string>; options: string[] });
      for (const c of created) {
        assert.deepEqual(c.command, ['create', 'secret', 'generic'], c.name);
        assert.deepEqual(c.options, ['-n', 'hub'], `${c.name}: the kubectl options are not passed on`);
      }
      const referenced = new Map<string, Set<string>>();
      for (const deployment of deployments()) {
        for (const [secret, keys] of secretKeysReferenced(deployment)) referenced.set(secret, new Set([...(referenced.get(secret) ?? []), ...keys]));
      }
      assert.deepEqual(created.map((c) => c.name).sort(), [...referenced.keys()].sort());
      for (const c of created) assert.deepEqual(Object.keys(c.entries).sort(), [...referenced.get(c.name)!].sort(), c.name);

      const entries = new Map(created.map((c) => [c.name, c.entries]));
      for (const [name, value] of Object.entries(urls)) {
        const holder = created.find((c) => name in c.entries);
        assert.equal(holder?.entries[name], value, name);
      }
      // Private JWKs carry "d", secret keys "k"; only the gateway's own may leave the keys directory.
      for (const c of created) {
        for (const [key, text] of Object.entries(c.entries)) {
          if (!key.endsWith('.json')) continue;
          const privateKey = /"[dk]"\s*:/.test(text);
          assert.equal(privateKey, c.name === 'hub-gateway-signing-key', `${c.name}/${key}`);
        }
      }
      assert.equal(entries.get('hub-gateway-jwks')?.['gateway.jwks.json'], readFileSync(join(keysDir, 'gateway.jwks.json'), 'utf8'));
      assert.equal(entries.get('hub-policy-set')?.['policy-set.jws'], readFileSync(join(keysDir, 'policy-set.jws'), 'utf8'));
      assert.equal(entries.get('hub-sign-in')?.['asan-login.secret'], 'a-client-secret-of-the-provider');
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
