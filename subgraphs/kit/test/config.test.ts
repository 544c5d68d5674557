import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, subgraphConfig } from '../src/config';
import { DEFAULT_SHUTDOWN_GRACE_MS } from '../src/http';
import { DEMO_POPULATION } from '../src/synthetic';

const URL = 'postgres://hub@db.example:5432/hub';

describe('a subgraph process configuration', () => {
  it('comes from the environment it is given, with defaults for what is unset or empty', () => {
    assert.deepEqual(subgraphConfig({ DATABASE_URL: URL, PORT: '', HUB_KEYS_DIR: '/run/keys' }, 4008), {
      databaseUrl: URL,
      port: 4008,
      gatewayJwksPath: '/run/keys/gateway.jwks.json',
      seed: null,
      poolSize: 10,
      shutdownGraceMs: DEFAULT_SHUTDOWN_GRACE_MS,
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
    assert.deepEqual(subgraphConfig(env, 4001), {
      databaseUrl: URL,
      port: 5001,
      gatewayJwksPath: '/etc/hub/gateway.jwks.json',
      seed: { seed: 7, citizens: 50, foreigners: DEMO_POPULATION.foreigners },
      poolSize: 3,
      shutdownGraceMs: 0,
    });
  });

  it('takes a population of ten million citizens, the size of the country', () => {
    const config = subgraphConfig({ DATABASE_URL: URL, HUB_SEED: 'demo', HUB_SEED_CITIZENS: '10000000', HUB_SEED_FOREIGNERS: '200000' }, 4001);
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
        () => subgraphConfig(env, 4001),
        (error: unknown) => error instanceof ConfigError && message.test(error.message),
        JSON.stringify(env),
      );
    }
  });
});
