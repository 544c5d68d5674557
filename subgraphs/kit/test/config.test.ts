import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, EnvReader, subgraphConfig, tracingConfig } from '../src/config';
import { DEFAULT_SHUTDOWN_GRACE_MS } from '../src/http';
import { DEMO_POPULATION } from '../src/synthetic';

const URL = 'postgres://hub@db.example:5432/hub';

describe('a subgraph process configuration', () => {
  it('comes from the environment it is given, with defaults for what is unset or empty', () => {
    assert.deepEqual(subgraphConfig({ DATABASE_URL: URL, PORT: '', HUB_KEYS_DIR: '/run/keys' }, 'child-data', 4008), {
      databaseUrl: URL,
      port: 4008,
      gatewayJwksPath: '/run/keys/gateway.jwks.json',
      seed: null,
      poolSize: 10,
      shutdownGraceMs: DEFAULT_SHUTDOWN_GRACE_MS,
      tracing: null,
    });
  });

  it('reads every setting it has', () => {
    const env = {
      DATABASE_URL: URL,
      PORT: '5001',
      GATEWAY_JWKS_PATH: '/etc/hub/gateway.jwks.json',
      HUB_SEED: 'demo',
      HUB_SEED_NUMBER: '7',
      HUB_SEED_CITIZENS: '50',
      DATABASE_POOL_SIZE: '3',
      SHUTDOWN_GRACE_MS: '0',
    };
    assert.deepEqual(subgraphConfig(env, 'citizens', 4001), {
      databaseUrl: URL,
      port: 5001,
      gatewayJwksPath: '/etc/hub/gateway.jwks.json',
      seed: { seed: 7, citizens: 50, foreigners: DEMO_POPULATION.foreigners },
      poolSize: 3,
      shutdownGraceMs: 0,
      tracing: null,
    });
  });

  it('takes a population of ten million citizens, the size of the country', () => {
    const config = subgraphConfig({ DATABASE_URL: URL, HUB_SEED: 'demo', HUB_SEED_CITIZENS: '10000000', HUB_SEED_FOREIGNERS: '200000' }, 'citizens', 4001);
    assert.deepEqual(config.seed, { seed: DEMO_POPULATION.seed, citizens: 10_000_000, foreigners: 200_000 });
  });

  it('refuses a bad value with a message naming the variable', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{}, /^DATABASE_URL must be set/],
      [{ DATABASE_URL: 'not a url' }, /^DATABASE_URL is not a valid URL/],
      [{ DATABASE_URL: URL, PORT: 'abc' }, /^PORT="abc" is not an integer between 0 and 65535/],
      [{ DATABASE_URL: URL, DATABASE_POOL_SIZE: '0' }, /^DATABASE_POOL_SIZE="0"/],
      [{ DATABASE_URL: URL, HUB_SEED: 'all' }, /^HUB_SEED="all": expected "demo" or "none"/],
      [{ DATABASE_URL: URL, HUB_SEED: 'demo', HUB_SEED_CITIZENS: '9' }, /^HUB_SEED_CITIZENS="9"/],
    ];
    for (const [env, message] of cases) {
      assert.throws(
        () => subgraphConfig(env, 'citizens', 4001),
        (error: unknown) => error instanceof ConfigError && message.test(error.message),
        JSON.stringify(env),
      );
    }
  });
});

describe('the traces configuration (OTEL_* variables)', () => {
  const traced = (env: Record<string, string>) => tracingConfig(new EnvReader(env), 'hub-citizens');

  it('is off when no exporter or endpoint is named, when the SDK is disabled and when the exporter is none', () => {
    assert.equal(traced({}), null);
    assert.equal(traced({ OTEL_SERVICE_NAME: 'citizens', OTEL_TRACES_SAMPLER: 'always_on' }), null);
    assert.equal(traced({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' }), null);
    assert.equal(traced({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_EXPORTER: 'none' }), null);
  });

  it('reads the standard variables into one typed value', () => {
    assert.deepEqual(traced({ OTEL_TRACES_EXPORTER: 'otlp' }), {
      serviceName: 'hub-citizens',
      endpoint: 'http://localhost:4318/v1/traces',
      headers: {},
      sampler: { root: 'always_on', parentBased: true, ratio: 1 },
      batch: { scheduledDelayMillis: 5_000, maxQueueSize: 2_048, maxExportBatchSize: 512, exportTimeoutMillis: 30_000 },
    });
    const config = traced({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector.example/',
      OTEL_EXPORTER_OTLP_HEADERS: 'api-key=a%20b,tenant=hub',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'tenant=traces',
      OTEL_SERVICE_NAME: 'citizens-a',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    assert.equal(config?.endpoint, 'https://collector.example/v1/traces');
    assert.deepEqual(config?.headers, { 'api-key': 'a b', tenant: 'traces' });
    assert.equal(config?.serviceName, 'citizens-a');
    assert.deepEqual(config?.sampler, { root: 'traceidratio', parentBased: true, ratio: 0.25 });
    assert.equal(config?.batch.scheduledDelayMillis, 100);
    assert.equal(
      traced({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/traces', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://other' })?.endpoint,
      'http://c:4318/traces',
    );
  });

  it('refuses what it cannot honour, naming the variable', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ OTEL_TRACES_EXPORTER: 'zipkin' }, /^OTEL_TRACES_EXPORTER="zipkin"/],
      [{ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, /^OTEL_EXPORTER_OTLP_PROTOCOL="grpc"/],
      [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, /^OTEL_EXPORTER_OTLP_ENDPOINT: expected an http/],
      [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'not a url' }, /^OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is not a valid URL/],
      [{ OTEL_TRACES_EXPORTER: 'otlp', OTEL_TRACES_SAMPLER: 'sometimes' }, /^OTEL_TRACES_SAMPLER="sometimes"/],
      [{ OTEL_TRACES_EXPORTER: 'otlp', OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '2' }, /^OTEL_TRACES_SAMPLER_ARG="2"/],
      [{ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_HEADERS: 'novalue' }, /^OTEL_EXPORTER_OTLP_HEADERS: expected key=value/],
    ];
    for (const [env, message] of cases) {
      assert.throws(
        () => traced(env),
        (error: unknown) => error instanceof ConfigError && message.test(error.message),
        JSON.stringify(env),
      );
    }
  });
});
