import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runFailoverDrill } from '../src/failover-drill';

/**
 * The failover drill, short (decision 0015): real PostgreSQL servers made with initdb and
 * pg_basebackup on loopback ports, the hub on both, the primary killed with SIGKILL while the
 * standby's link is stalled. `npm run drill:failover` is the same with more load and the demo data.
 */
const SHORT = { before: 40, after: 40, workers: 4, seed: false } as const;

describe('the hub across the loss of its primary database', () => {
  it('with a synchronous standby: no acknowledged record lost, AUDIT_UNAVAILABLE in the gap, the new primary followed within 10 s, a verified restore', async () => {
    const result = await runFailoverDrill({ ...SHORT, synchronous: true, restore: true });
    assert.deepEqual(result.lost, [], 'every acknowledged answer has its record on the new primary');
    assert.ok(result.acknowledged >= SHORT.before + SHORT.after);
    assert.equal(result.acknowledgedWhileStalled, 0, 'nothing is acknowledged while the standby cannot confirm it');
    assert.ok(result.refused > 0, 'the gap is answered AUDIT_UNAVAILABLE');
    assert.ok(result.firstGoodAfterMs < 10_000, `first good answer ${result.firstGoodAfterMs} ms after the kill`);
    assert.deepEqual(
      result.writesTo,
      { before: `127.0.0.1:${result.primaryPort}`, after: `127.0.0.1:${result.standbyPort}` },
      '/ready names the server written to',
    );
    assert.ok(result.intact, result.verified);
    assert.ok(result.restore?.intact, result.restore?.verified);
    assert.ok(result.restore?.sameCheckpoint, 'the live journal holds the restored one’s last signed checkpoint');
    // The hub signs a last checkpoint when it stops, before the restore: the restore reaches it, at the journal's end.
    assert.equal(result.restore?.restoredCheckpoint?.seq, result.restore?.restoredHead);
    assert.equal(result.restore?.liveSignedSince, 0);
  });

  it('with an asynchronous standby: what was acknowledged while the link stalled is lost', async () => {
    const result = await runFailoverDrill({ ...SHORT, synchronous: false, restore: false });
    assert.ok(result.acknowledgedWhileStalled > 0);
    assert.ok(result.lost.length > 0, 'acknowledged records the standby never received');
    assert.equal(result.writesTo.after, `127.0.0.1:${result.standbyPort}`);
  });
});
