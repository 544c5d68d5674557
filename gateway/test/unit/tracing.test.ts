import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { trace, type ProxyTracerProvider } from '@opentelemetry/api';
import { gatewayConfigFromEnv } from '../../src/config';
import { RequestTrace } from '../../src/monitoring/tracing';

const ROOT = join(__dirname, '../../../..');
const configOf = (env: Record<string, string>) =>
  gatewayConfigFromEnv({
    DATABASE_URL: 'postgres://hub@127.0.0.1:1/unused',
    POLICIES_DIR: join(ROOT, 'policies'),
    SUPERGRAPH_PATH: join(ROOT, 'schema/supergraph.graphql'),
    ...env,
  });

describe("the gateway's traces", () => {
  it('are off without OTEL_* variables, and named hub-gateway when on', () => {
    assert.equal(configOf({}).tracing, null);
    const on = configOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).tracing;
    assert.equal(on?.serviceName, 'hub-gateway');
    assert.equal(on?.endpoint, 'http://collector:4318/v1/traces');
  });

  it('start only no-op spans and send no traceparent while no provider is registered', () => {
    assert.equal((trace.getTracerProvider() as ProxyTracerProvider).getDelegate().constructor.name, 'NoopTracerProvider');
    const request = new RequestTrace('query');
    request.enter('hub.stages.checks');
    request.enter('hub.execute');
    request.planning();
    request.planned();
    const call = request.subgraphCall('citizens', 'citizens');
    const headers: Record<string, string> = {};
    call.inject(headers);
    call.end(200, null);
    request.finish('HUB-1', null, false, 200);
    assert.deepEqual(headers, {});
  });
});
