import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { ROOT } from '../src/processes';

/**
 * deploy/k8s/postgres (decision 0015) is never applied here either: its CloudNativePG objects are
 * checked against the operator's own published schema (vendored, descriptions removed) as strictly
 * as `kubectl apply --validate=strict` would (no unknown field, types, enums, required fields), and
 * against what the hub needs of its database.
 */
const DIR = join(ROOT, 'deploy/k8s/postgres');
type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> }; spec: Record<string, unknown> };

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  enum?: unknown[];
  required?: string[];
  additionalProperties?: Schema | boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
}

const SCHEMAS: Record<string, Schema> = Object.fromEntries(
  ['cluster', 'scheduledbackup'].map((name) => {
    const file = JSON.parse(readFileSync(join(DIR, 'schemas', `${name}.v1.30.0.json`), 'utf8')) as {
      group: string;
      kind: string;
      version: string;
      openAPIV3Schema: Schema;
    };
    return [`${file.group}/${file.version} ${file.kind}`, file.openAPIV3Schema];
  }),
);

const TYPES: Record<string, (v: unknown) => boolean> = {
  object: (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
  array: Array.isArray,
  string: (v) => typeof v === 'string',
  integer: Number.isInteger,
  number: (v) => typeof v === 'number',
  boolean: (v) => typeof v === 'boolean',
};

/** What a strict API server would refuse in `value`, by path. */
function violations(value: unknown, schema: Schema, path: string): string[] {
  if (schema['x-kubernetes-int-or-string']) return Number.isInteger(value) || typeof value === 'string' ? [] : [`${path}: not an integer or a string`];
  if (schema.type && !TYPES[schema.type]!(value)) return [`${path}: not of type ${schema.type}`];
  if (schema.enum && !schema.enum.includes(value)) return [`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`];
  if (Array.isArray(value)) return schema.items ? value.flatMap((v, i) => violations(v, schema.items!, `${path}[${i}]`)) : [];
  if (!TYPES['object']!(value)) return [];
  const object = value as Record<string, unknown>;
  const found = (schema.required ?? []).filter((key) => !(key in object)).map((key) => `${path}.${key}: required`);
  for (const [key, v] of Object.entries(object)) {
    const own = schema.properties?.[key];
    if (own) found.push(...violations(v, own, `${path}.${key}`));
    else if (typeof schema.additionalProperties === 'object') found.push(...violations(v, schema.additionalProperties, `${path}.${key}`));
    else if (schema.additionalProperties !== true && !schema['x-kubernetes-preserve-unknown-fields']) found.push(`${path}.${key}: unknown field`);
  }
  return found;
}

const kustomization = parse(readFileSync(join(DIR, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
const objects: K8sObject[] = kustomization.resources.flatMap((file) =>
  parseAllDocuments(readFileSync(join(DIR, file), 'utf8')).map((doc) => doc.toJS() as K8sObject),
);
const one = (kind: string) => {
  const found = objects.filter((o) => o.kind === kind);
  assert.equal(found.length, 1, `deploy/k8s/postgres has one ${kind}`);
  return found[0]!;
};

describe('deploy/k8s/postgres', () => {
  it("validates the operator's objects against its published schema, and the checker refuses what a strict API server would", async () => {
    for (const object of objects) {
      const schema = SCHEMAS[`${object.apiVersion} ${object.kind}`];
      if (schema) {
        // The API server checks metadata as every object's, not by the CRD's schema.
        const { metadata } = object;
        assert.deepEqual(Object.keys(metadata).sort(), ['labels', 'name']);
        assert.match(metadata.name, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
        assert.deepEqual(violations({ ...object, metadata: {} }, schema, object.kind), [], `${object.kind}/${metadata.name}`);
      } else {
        assert.equal(`${object.apiVersion} ${object.kind}`, 'networking.k8s.io/v1 NetworkPolicy', 'a kind with no schema known');
        const { NetworkPolicy } = await import('kubernetes-models/networking.k8s.io/v1/NetworkPolicy');
        assert.doesNotThrow(() => new NetworkPolicy(object as never).validate());
      }
    }
    const cluster = one('Cluster');
    const schema = SCHEMAS['postgresql.cnpg.io/v1 Cluster']!;
    const broken = { ...structuredClone(cluster), metadata: {} } as unknown as K8sObject & { spec: { postgresql: { synchronous: Record<string, unknown> } } };
    broken.spec.postgresql.synchronous['method'] = 'all';
    broken.spec['instance'] = 3;
    broken.spec['instances'] = '3';
    assert.deepEqual(violations(broken, schema, 'Cluster').sort(), [
      'Cluster.spec.instance: unknown field',
      'Cluster.spec.instances: not of type integer',
      'Cluster.spec.postgresql.synchronous.method: "all" is not one of ["any","first"]',
    ]);
  });

  it('makes every commit wait for a standby, never falls back to asynchronous, and survives the loss of one standby', () => {
    const { spec } = one('Cluster') as unknown as {
      spec: { instances: number; postgresql: { synchronous: { method: string; number: number; dataDurability: string }; parameters: Record<string, string> } };
    };
    const { synchronous, parameters } = spec.postgresql;
    assert.equal(synchronous.method, 'any');
    assert.ok(synchronous.number >= 1);
    assert.equal(synchronous.dataDurability, 'required');
    assert.ok(['on', 'remote_apply'].includes(parameters['synchronous_commit']!), 'the commit waits for the standby to have it on disk');
    assert.ok(spec.instances - 1 > synchronous.number, 'more standbys than a commit needs: one may be lost');
  });

  it('backs up on a schedule, and lets the hub, the instances and the operator reach the instances', () => {
    const cluster = one('Cluster');
    assert.ok((cluster.spec['backup'] as { barmanObjectStore?: unknown }).barmanObjectStore, 'base backups and a WAL archive');
    assert.equal((one('ScheduledBackup').spec['cluster'] as { name: string }).name, cluster.metadata.name);
    const policy = one('NetworkPolicy') as unknown as {
      spec: {
        podSelector: { matchLabels: Record<string, string> };
        ingress: Array<{ from: Array<{ podSelector?: { matchLabels: Record<string, string> } }> }>;
      };
    };
    assert.deepEqual(policy.spec.podSelector.matchLabels, { 'cnpg.io/cluster': cluster.metadata.name });
    const from = policy.spec.ingress.flatMap((rule) => rule.from.map((peer) => peer.podSelector?.matchLabels));
    assert.deepEqual(from.filter(Boolean), [{ 'app.kubernetes.io/part-of': 'gov-data-exchange-hub' }, { 'cnpg.io/cluster': cluster.metadata.name }]);
  });

  it('keeps the ExternalName Service the hub connects through, for a database run elsewhere or pointed at the operator’s primary Service', () => {
    const base = parseAllDocuments(readFileSync(join(ROOT, 'deploy/k8s/external-services.yaml'), 'utf8')).map((doc) => doc.toJS() as K8sObject);
    const service = base.find((o) => o.kind === 'Service' && o.metadata.name === 'hub-postgres');
    assert.equal(service?.spec['type'], 'ExternalName');
  });
});
