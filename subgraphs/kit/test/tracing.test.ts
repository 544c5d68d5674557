import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { context, propagation, type ProxyTracerProvider, ROOT_CONTEXT, SpanStatusCode, trace } from '@opentelemetry/api';
import { EnvReader, tracingConfig } from '../src/config';
import { ATTR, hubTracer, startTracing } from '../src/tracing';
import { startOtlpReceiver } from '../src/otlp-receiver';

/** The tracer provider the API delegates to: the no-op one until a provider is registered. */
const delegate = () => (trace.getTracerProvider() as ProxyTracerProvider).getDelegate();

describe('traces', () => {
  it('are off without OTEL_* variables: no provider, no context manager, no propagator; every span a no-op', async () => {
    const noop = delegate();
    assert.equal(await startTracing(tracingConfig(new EnvReader({}), 'hub-test'), { instrumentPostgres: true }), null);
    assert.equal(delegate(), noop);
    assert.equal(noop.constructor.name, 'NoopTracerProvider');
    const span = hubTracer().startSpan('hub.request');
    assert.equal(span.isRecording(), false);
    assert.equal(trace.isSpanContextValid(span.spanContext()), false);
    const headers: Record<string, string> = {};
    propagation.inject(trace.setSpan(ROOT_CONTEXT, span), headers);
    assert.deepEqual(headers, {});
    assert.equal(context.active(), ROOT_CONTEXT);
  });

  it("export only the hub's attributes, no events, no links, no status message, and no other library's spans", async () => {
    const receiver = await startOtlpReceiver();
    const tracing = await startTracing(tracingConfig(new EnvReader({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.endpoint }), 'hub-test'), {
      instrumentPostgres: false,
    });
    try {
      assert.ok(tracing);
      const span = hubTracer().startSpan('hub.request');
      span.setAttributes({ [ATTR.registrationNumber]: 'HUB-1', [ATTR.errorCode]: 'BAD_REQUEST', 'graphql.document': '{ secret }' });
      span.addEvent('exception', { 'exception.message': 'secret message' });
      span.addLink({ context: span.spanContext(), attributes: { note: 'secret link' } });
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'secret status' });
      span.end();
      // A library tracing through the global API, as Apollo's gateway does.
      trace
        .getTracer('apollo/gateway-js')
        .startSpan('gateway.request', { attributes: { 'graphql.operation.name': 'secret' } })
        .end();
      await tracing.flush();
      assert.equal(receiver.spans.length, 1);
      const [exported] = receiver.spans;
      assert.equal(exported!.name, 'hub.request');
      assert.equal(exported!.service, 'hub-test');
      assert.deepEqual(exported!.attributes, { [ATTR.registrationNumber]: 'HUB-1', [ATTR.errorCode]: 'BAD_REQUEST' });
      assert.ok(!exported!.raw.includes('secret'), exported!.raw);
      assert.match(exported!.raw, /"status":\{"code":2\}/);
    } finally {
      await tracing?.stop();
      await receiver.close();
    }
    // Stopped, the API is a no-op again.
    assert.equal(delegate().constructor.name, 'NoopTracerProvider');
  });

  it("load no pg before the subgraph process's tracing starts", () => {
    // What runSubgraphProcess's module imports (the subgraph's own modules load after startTracing).
    const main = resolve(__dirname, '../src/main.js');
    const loaded = execFileSync(process.execPath, ['-e', `require(${JSON.stringify(main)}); console.log(Object.keys(require.cache).join('\\n'))`], {
      encoding: 'utf8',
    });
    assert.ok(loaded.includes('/kit/dist/src/config.js'));
    assert.ok(!/node_modules\/(pg|pg-pool)\//.test(loaded), loaded);
  });
});
