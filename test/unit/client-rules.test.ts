/**
 * The SDK's rules in isolation, on a fake clock: each component of client/src without a socket.
 * The integration tests (test/integration/client-*.test.ts) prove the same rules end to end.
 */
import { expect } from 'chai';
import { createClock } from '@sinonjs/fake-timers';
import { AckBatcher } from '../../client/src/ack-batcher';
import type { Clock } from '../../client/src/clock';
import { HeartbeatMonitor } from '../../client/src/heartbeat-monitor';
import { LoginManager } from '../../client/src/login-manager';
import { RecentSet } from '../../client/src/recent-set';
import { ReconnectPolicy } from '../../client/src/reconnect-policy';
import { SeqDedupe } from '../../client/src/seq-dedupe';
import type { Answer, LoginResult } from '../../shared/protocol';
import type { Clock as ServerClock } from '../../shared/clock';

function fakeClock(): { clock: Clock; fake: ReturnType<typeof createClock> } {
  const fake = createClock(0);
  const clock: Clock = {
    now: () => fake.now,
    setTimeout: (fn, ms) => fake.setTimeout(fn, ms),
    clearTimeout: (handle) => (fake.clearTimeout as (id: unknown) => void).call(fake, handle),
  };
  return { clock, fake };
}

describe('client SDK rules (unit)', () => {
  it("accepts the server's Clock, so one fake clock can drive Herald and the SDK", () => {
    const serverClock: ServerClock = {
      now: () => 0,
      setTimeout: () => 1,
      clearTimeout: () => undefined,
      setInterval: () => 1,
      clearInterval: () => undefined,
    };
    const sdkClock: Clock = serverClock;
    expect(sdkClock.now()).to.equal(0);
  });

  describe('ReconnectPolicy', () => {
    it('jitters with Math.random when the app passed random: undefined (as HeraldClient does)', () => {
      const policy = new ReconnectPolicy({ delays: [60_000], jitter: 0.5, random: undefined });
      const step = policy.next();
      expect(step?.delay).to.be.within(30_000, 90_000);
    });

    it('gives 60 s, 120 s, 180 s, then null, and starts over after reset()', () => {
      const policy = new ReconnectPolicy({ delays: [60_000, 120_000, 180_000], jitter: 0 });
      expect([policy.next(), policy.next(), policy.next(), policy.next()]).to.deep.equal([
        { attempt: 1, delay: 60_000 },
        { attempt: 2, delay: 120_000 },
        { attempt: 3, delay: 180_000 },
        null,
      ]);
      policy.reset();
      expect(policy.next()).to.deep.equal({ attempt: 1, delay: 60_000 });
    });

    it('spreads each delay by ± jitter', () => {
      const low = new ReconnectPolicy({ delays: [60_000], jitter: 0.25, random: () => 0 });
      const mid = new ReconnectPolicy({ delays: [60_000], jitter: 0.25, random: () => 0.5 });
      expect(low.next()?.delay).to.equal(45_000);
      expect(mid.next()?.delay).to.equal(60_000);
    });
  });

  describe('HeartbeatMonitor', () => {
    function monitor(): { hb: HeartbeatMonitor; sent: number[]; dead: number[]; fake: ReturnType<typeof createClock> } {
      const { clock, fake } = fakeClock();
      const sent: number[] = [];
      const dead: number[] = [];
      const hb: HeartbeatMonitor = new HeartbeatMonitor(
        clock,
        { interval: 150_000, timeout: 30_000, retries: 1 },
        {
          send: () => {
            sent.push(fake.now);
            hb.noteSent();
          },
          dead: () => dead.push(fake.now),
        },
      );
      return { hb, sent, dead, fake };
    }

    it('probes after 150 s of silence, again 30 s later, and declares the connection dead 30 s after that', () => {
      const { hb, sent, dead, fake } = monitor();
      hb.start();
      fake.tick(149_999);
      expect(sent).to.deep.equal([]);
      fake.tick(1);
      expect(sent).to.deep.equal([150_000]);
      fake.tick(30_000);
      expect(sent).to.deep.equal([150_000, 180_000]);
      fake.tick(29_999);
      expect(dead).to.deep.equal([]);
      fake.tick(1);
      expect(dead).to.deep.equal([210_000]);
      fake.tick(1_000_000);
      expect(sent).to.have.length(2);
    });

    it('counts the silence from the last thing sent or received', () => {
      const { hb, sent, fake } = monitor();
      hb.start();
      fake.tick(100_000);
      hb.noteReceived();
      fake.tick(100_000);
      hb.noteSent();
      fake.tick(149_999);
      expect(sent).to.deep.equal([]);
      fake.tick(1);
      expect(sent).to.deep.equal([350_000]);
      hb.answered();
      fake.tick(150_000);
      expect(sent).to.deep.equal([350_000, 500_000]);
    });

    it('sends nothing after stop()', () => {
      const { hb, sent, fake } = monitor();
      hb.start();
      hb.stop();
      fake.tick(1_000_000);
      expect(sent).to.deep.equal([]);
    });
  });

  describe('LoginManager', () => {
    type Reply = (answer: Answer<LoginResult>) => void;
    function manager(): {
      login: LoginManager;
      sent: number[];
      replies: Reply[];
      failures: [string, number][];
      ok: string[];
      fake: ReturnType<typeof createClock>;
    } {
      const { clock, fake } = fakeClock();
      const sent: number[] = [];
      const replies: Reply[] = [];
      const failures: [string, number][] = [];
      const ok: string[] = [];
      const login = new LoginManager(clock, { retryInterval: 30_000 }, {
        send: (_request, reply) => {
          sent.push(fake.now);
          replies.push(reply);
        },
        succeeded: (result) => ok.push(result.uid),
        failed: (error, retryIn) => failures.push([error.code, retryIn]),
      });
      return { login, sent, replies, failures, ok, fake };
    }
    const result: LoginResult = { uid: 'u1', platform: 'web', device: null, serverTime: 0, idleTimeout: 180, heartbeatInterval: 150 };

    it('retries 30 s after each attempt that failed, until one succeeds', () => {
      const { login, sent, replies, failures, ok, fake } = manager();
      login.start({ token: 't' });
      fake.tick(2_000);
      replies[0]!({ ok: false, error: { code: 'AUTH_UNAVAILABLE', message: 'down', retryAfter: 5 } });
      expect(failures).to.deep.equal([['AUTH_UNAVAILABLE', 28_000]]);
      fake.tick(27_999);
      expect(sent).to.deep.equal([0]);
      fake.tick(1);
      expect(sent).to.deep.equal([0, 30_000]);
      replies[1]!({ ok: true, ...result });
      expect(ok).to.deep.equal(['u1']);
      fake.tick(600_000);
      expect(sent).to.have.length(2);
    });

    it('waits longer when the answer asks for it (retryAfter)', () => {
      const { login, sent, replies, failures, fake } = manager();
      login.start({ token: 't' });
      replies[0]!({ ok: false, error: { code: 'RATE_LIMITED', message: 'slow down', retryAfter: 45 } });
      expect(failures).to.deep.equal([['RATE_LIMITED', 45_000]]);
      fake.tick(44_999);
      expect(sent).to.have.length(1);
      fake.tick(1);
      expect(sent).to.deep.equal([0, 45_000]);
    });

    it('ignores the answer of an attempt that was superseded or stopped', () => {
      const { login, replies, failures, ok, fake } = manager();
      login.start({ token: 't' });
      fake.tick(30_000); // TIMEOUT, second attempt
      expect(failures).to.deep.equal([['TIMEOUT', 0]]);
      replies[0]!({ ok: true, ...result });
      expect(ok).to.deep.equal([]);
      login.stop();
      replies[1]!({ ok: true, ...result });
      expect(ok).to.deep.equal([]);
    });
  });

  describe('AckBatcher', () => {
    function batcher(): { acks: AckBatcher; sent: [number, number][]; fake: ReturnType<typeof createClock> } {
      const { clock, fake } = fakeClock();
      const sent: [number, number][] = [];
      const acks = new AckBatcher(clock, { maxDelay: 1_000, maxBatch: 100 }, (seq) => sent.push([fake.now, seq]));
      acks.resume();
      return { acks, sent, fake };
    }

    it('sends the highest seq 1 s after the first unacknowledged push', () => {
      const { acks, sent, fake } = batcher();
      acks.record(1);
      fake.tick(500);
      acks.record(3);
      acks.record(2);
      fake.tick(499);
      expect(sent).to.deep.equal([]);
      fake.tick(1);
      expect(sent).to.deep.equal([[1_000, 3]]);
      fake.tick(10_000);
      expect(sent).to.have.length(1);
    });

    it('sends at once at 100 pushes', () => {
      const { acks, sent } = batcher();
      for (let seq = 1; seq <= 100; seq++) acks.record(seq);
      expect(sent).to.deep.equal([[0, 100]]);
    });

    it('holds acks while paused and sends them within 1 s of resume()', () => {
      const { acks, sent, fake } = batcher();
      acks.pause();
      acks.record(7);
      fake.tick(5_000);
      expect(sent).to.deep.equal([]);
      acks.resume();
      fake.tick(1_000);
      expect(sent).to.deep.equal([[6_000, 7]]);
    });
  });

  describe('SeqDedupe', () => {
    it('reports a seq seen before, including out of order and after a gap', () => {
      const dedupe = new SeqDedupe();
      expect([5, 7, 6, 7, 5, 9].map((seq) => dedupe.isDuplicate(seq))).to.deep.equal([false, false, false, true, true, false]);
      dedupe.reset();
      expect(dedupe.isDuplicate(5)).to.equal(false);
    });

    it('remembers a bounded number of seqs and treats anything older as seen', () => {
      const dedupe = new SeqDedupe(3);
      for (const seq of [1, 2, 3, 4]) dedupe.isDuplicate(seq);
      expect(dedupe.isDuplicate(1)).to.equal(true);
      expect(dedupe.isDuplicate(4)).to.equal(true);
      expect(dedupe.isDuplicate(5)).to.equal(false);
    });
  });

  describe('RecentSet (ephemeral push ids sent again)', () => {
    it('reports an id seen before, in any order', () => {
      const dedupe = new RecentSet<string>(1024);
      expect(['a', 'b', 'a', 'c', 'b'].map((id) => dedupe.isDuplicate(id))).to.deep.equal([false, false, true, false, true]);
    });

    it('remembers the last `capacity` ids only', () => {
      const dedupe = new RecentSet<string>(3);
      for (const id of ['1', '2', '3', '4']) dedupe.isDuplicate(id);
      expect(dedupe.isDuplicate('1'), 'forgotten').to.equal(false);
      expect(['3', '4'].map((id) => dedupe.isDuplicate(id))).to.deep.equal([true, true]);
      expect(dedupe.isDuplicate('2'), '1 pushed 2 out when it came again').to.equal(false);
      // Long runs keep it bounded and right.
      for (let i = 0; i < 10_000; i++) dedupe.isDuplicate(`x${i}`);
      expect(dedupe.isDuplicate('x9999')).to.equal(true);
      expect(dedupe.isDuplicate('x9996')).to.equal(false);
    });
  });
});
