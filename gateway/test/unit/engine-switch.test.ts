import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EngineSwitch } from '../../src/http/engine-switch';

/** An engine that names its set and records when it is stopped. */
class FakeEngine {
  stopped = 0;
  constructor(readonly set: string) {}
  async stop(): Promise<void> {
    this.stopped += 1;
  }
}

/** A piece of work held open until the test lets it finish. */
function held(): { done: Promise<void>; release: () => void } {
  let release!: () => void;
  const done = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { done, release };
}

describe('the engine switch (policy set reload)', () => {
  it('runs a request in flight to its end under its set, and the next one under the new set', async () => {
    const old = new FakeEngine('old');
    const engines = new EngineSwitch(old);
    const gate = held();
    const inFlight = engines.run(async (engine) => {
      await gate.done;
      return engine.set;
    });
    engines.swap(new FakeEngine('new'));
    assert.equal(await engines.run(async (engine) => engine.set), 'new');
    assert.equal(old.stopped, 0, 'the old engine is not stopped while a request uses it');
    gate.release();
    assert.equal(await inFlight, 'old');
    assert.equal(old.stopped, 1, 'the old engine is stopped once its last request is done');
  });

  it('stops an engine replaced with no request in flight at once, and each engine once', async () => {
    const first = new FakeEngine('first');
    const engines = new EngineSwitch(first);
    await engines.run(async () => undefined);
    const second = new FakeEngine('second');
    engines.swap(second);
    assert.equal(first.stopped, 1);
    await engines.stopAll();
    assert.deepEqual([first.stopped, second.stopped], [1, 1]);
  });

  it('a failing request still releases its engine', async () => {
    const old = new FakeEngine('old');
    const engines = new EngineSwitch(old);
    const gate = held();
    const failing = engines.run(async () => {
      await gate.done;
      throw new Error('subgraph failed');
    });
    engines.swap(new FakeEngine('new'));
    gate.release();
    await assert.rejects(failing, /subgraph failed/);
    assert.equal(old.stopped, 1);
    assert.deepEqual(
      engines.live().map((e) => e.set),
      ['new'],
    );
  });
});
