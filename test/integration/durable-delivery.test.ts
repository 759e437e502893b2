/**
 * Durable delivery end to end on a real host (2 workers) with the embedded SQLite store:
 * offline users, replay in seq order after the device's cursor, acks, two devices, ttl, the
 * replay cap, history, platform filters, durable topic pushes, and live pushes during a replay.
 */
import { expect } from 'chai';
import { signToken } from '../../shared/auth';
import { DEV_JWT_SECRET } from '../../shared/config';
import { call, closeClients, connect, next } from '../support/clients';
import { DurableClient } from '../support/durable-client';
import { startHost, uniqueId, type HeraldHost } from '../support/herald-host';
import { api, push } from '../support/http';
import { sleep, waitFor } from '../support/wait';

const token = (uid: string) => signToken({ uid, secret: DEV_JWT_SECRET, ttl: 3600 });

describe('durable delivery (SQLite, 2 workers)', function () {
  let host: HeraldHost;

  before(async function () {
    host = await startHost({ env: { HERALD_REPLAY_LIMIT: '5' } });
  });
  after(async function () {
    await host?.stop();
  });
  afterEach(function () {
    closeClients();
  });

  async function pushMany(uid: string, count: number, extra: Record<string, unknown> = {}): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 1; i <= count; i++) {
      const answer = await push(host.url, { to: { uid }, data: { n: i }, ...extra });
      expect(answer.stored).to.equal(true);
      ids.push(answer.id);
    }
    return ids;
  }

  it('replays what an offline user missed, in seq order, after the login answer', async function () {
    const uid = uniqueId('offline');
    const ids = await pushMany(uid, 3);
    const client = new DurableClient(host.url, { token: token(uid) }, 'phone-1');
    const answer = await client.login();
    expect(answer.replay).to.deep.equal({ count: 3, truncated: false, after: 0 });
    await waitFor(() => client.arrivals.length === 3, 5000, 'the replay');
    expect(client.seqs()).to.deep.equal([1, 2, 3]);
    expect(client.arrivals.map((a) => a.id)).to.deep.equal(ids);
    expect(client.arrivals.map((a) => a.data)).to.deep.equal([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  it('replays only what came after the acked seq on the next login', async function () {
    const uid = uniqueId('ack');
    await pushMany(uid, 3);
    const client = new DurableClient(host.url, { token: token(uid) }, 'tablet');
    await client.login();
    await waitFor(() => client.arrivals.length === 3, 5000, 'first replay');
    await client.ack();
    client.close();
    await pushMany(uid, 2);
    const again = await client.login();
    expect(again.replay).to.deep.equal({ count: 2, truncated: false, after: 3 });
    await waitFor(() => client.arrivals.length === 5, 5000, 'second replay');
    expect(client.seqs()).to.deep.equal([1, 2, 3, 4, 5]);
  });

  it('holds an answered ack for a login right after it, on any worker (no replay of what was acked)', async function () {
    const uid = uniqueId('quick');
    await pushMany(uid, 4);
    for (let round = 0; round < 5; round++) {
      const client = new DurableClient(host.url, { token: token(uid) }, 'quick-phone');
      const answer = await client.login();
      if (round === 0) expect(answer.replay.count).to.equal(4);
      else expect(answer.replay, `round ${round}`).to.deep.equal({ count: 0, truncated: false, after: 4 });
      await waitFor(() => client.arrivals.length === answer.replay.count, 5000, 'the replay');
      await client.ack();
      client.close(); // and straight back in: no pause for a batch to be written
    }
  });

  it('keeps a separate cursor per device', async function () {
    const uid = uniqueId('devices');
    await pushMany(uid, 2);
    const phone = new DurableClient(host.url, { token: token(uid) }, 'phone');
    await phone.login();
    await waitFor(() => phone.arrivals.length === 2, 5000, 'phone replay');
    await phone.ack();
    phone.close();
    const laptop = new DurableClient(host.url, { token: token(uid) }, 'laptop');
    expect((await laptop.login()).replay.count).to.equal(2);
    const phoneAgain = await phone.login();
    expect(phoneAgain.replay.count).to.equal(0);
  });

  it('does not replay a push whose ttl expired', async function () {
    const uid = uniqueId('ttl');
    await push(host.url, { to: { uid }, data: 'short', ttl: 1 });
    await push(host.url, { to: { uid }, data: 'long', ttl: 3600 });
    await sleep(1100);
    const client = new DurableClient(host.url, { token: token(uid) }, 'd');
    expect((await client.login()).replay).to.deep.equal({ count: 1, truncated: false, after: 0 });
    await waitFor(() => client.arrivals.length === 1, 5000, 'the replay');
    expect(client.arrivals[0]).to.include({ seq: 2, data: 'long' });
  });

  it('caps a replay at replayLimit (5 here), newest kept, and says it was truncated', async function () {
    const uid = uniqueId('cap');
    await pushMany(uid, 8);
    const client = new DurableClient(host.url, { token: token(uid) }, 'old-phone');
    expect((await client.login()).replay).to.deep.equal({ count: 5, truncated: true, after: 0 });
    await waitFor(() => client.arrivals.length === 5, 5000, 'the capped replay');
    expect(client.seqs()).to.deep.equal([4, 5, 6, 7, 8]);
  });

  it('delivers live durable pushes with their seq, and refuses an ack beyond what was delivered', async function () {
    const uid = uniqueId('live');
    const client = new DurableClient(host.url, { token: token(uid) }, 'live-device');
    expect((await client.login()).replay).to.deep.equal({ count: 0, truncated: false, after: 0 });
    await pushMany(uid, 2);
    await waitFor(() => client.arrivals.length === 2, 5000, 'live pushes');
    expect(client.seqs()).to.deep.equal([1, 2]);
    const tooFar = await call(client.socket!, 'ack', { seq: 3 }); // eslint-disable-line @typescript-eslint/no-non-null-assertion
    expect(tooFar.error.code).to.equal('BAD_REQUEST');
    expect(tooFar.error.message).to.equal('seq: 3 was not delivered on this connection without a gap');
    await client.ack();
  });

  it('keeps seqs increasing for a device that logs in while pushes stream in', async function () {
    const uid = uniqueId('stream');
    await pushMany(uid, 3);
    const client = new DurableClient(host.url, { token: token(uid) }, 'racer');
    let sent = 3;
    let stop = false;
    const streaming = (async () => {
      while (!stop && sent < 60) {
        await push(host.url, { to: { uid }, data: { n: ++sent } });
      }
    })();
    await sleep(30);
    const answer = await client.login();
    await sleep(200);
    stop = true;
    await streaming;
    await waitFor(() => client.handled().at(-1)?.seq === sent, 5000, `the last of ${sent} pushes`);
    const seqs = client.seqs();
    for (let i = 1; i < seqs.length; i++) expect(seqs[i], `seq after ${seqs[i - 1]}`).to.be.greaterThan(seqs[i - 1] as number);
    // Everything from the first replayed seq on arrived once, with no gap; from 1 unless the cap (5) cut the replay.
    const first = seqs[0] as number;
    expect(seqs).to.deep.equal(Array.from({ length: sent - first + 1 }, (_, i) => first + i));
    if (answer.replay.truncated === false) expect(first).to.equal(1);
    else expect(answer.replay.count).to.equal(5);
  });

  it('replays a platform-filtered push only to devices of that platform', async function () {
    const uid = uniqueId('platform');
    await push(host.url, { to: { uid }, platform: 'ios', data: 'ios only' });
    await push(host.url, { to: { uid }, data: 'everyone' });
    const web = new DurableClient(host.url, { token: token(uid), platform: 'web' }, 'browser');
    expect((await web.login()).replay.count).to.equal(1);
    const ios = new DurableClient(host.url, { token: token(uid), platform: 'ios' }, 'iphone');
    expect((await ios.login()).replay.count).to.equal(2);
    await waitFor(() => web.arrivals.length === 1 && ios.arrivals.length === 2, 5000, 'both replays');
    expect(web.arrivals.map((a) => a.data)).to.deep.equal(['everyone']);
  });

  it('stores a durable topic push for the logged-in subscribers; anonymous ones get it live without seq', async function () {
    const uid = uniqueId('topic');
    const member = new DurableClient(host.url, { token: token(uid) }, 'member');
    await member.login();
    expect(await call(member.socket!, 'subscribe', { topic: 'public.alerts' })).to.deep.equal({ ok: true }); // eslint-disable-line @typescript-eslint/no-non-null-assertion
    const anonymous = await connect(host.url);
    await call(anonymous, 'subscribe', { topic: 'public.alerts' });
    const anonGot = next(anonymous, 'alert');
    const answer = await push(host.url, { to: { topic: 'public.alerts' }, event: 'alert', data: 'storm', durable: true });
    expect(answer.stored).to.equal(true);
    expect(await anonGot).to.not.have.property('seq');
    await waitFor(() => member.arrivals.length === 1, 5000, 'the member copy');
    expect(member.arrivals[0]).to.include({ seq: 1, topic: 'public.alerts', event: 'alert', data: 'storm' });
    const history = await api(host.url, `/api/v1/users/${uid}/messages`);
    expect(history.json.messages.map((m: { topic: string }) => m.topic)).to.deep.equal(['public.alerts']);
  });

  it('pages the history API by seq', async function () {
    const uid = uniqueId('history');
    const ids = await pushMany(uid, 5, { event: 'note' });
    const first = await api(host.url, `/api/v1/users/${uid}/messages?limit=2`);
    expect(first.status).to.equal(200);
    expect(first.json.messages.map((m: { seq: number }) => m.seq)).to.deep.equal([1, 2]);
    expect(first.json.messages[0]).to.include({ id: ids[0], event: 'note' });
    expect(first.json.messages[0].data).to.deep.equal({ n: 1 });
    expect(first.json.next).to.equal(2);
    const rest = await api(host.url, `/api/v1/users/${uid}/messages?after=2&limit=10`);
    expect(rest.json.messages.map((m: { seq: number }) => m.seq)).to.deep.equal([3, 4, 5]);
    expect(rest.json.next).to.equal(null);
    const bad = await api(host.url, `/api/v1/users/${uid}/messages?after=-1`);
    expect(bad.status).to.equal(400);
    expect((await api(host.url, `/api/v1/users/${uid}/messages?limit=5000`)).json.error.message).to.match(/^limit: Number must be less than or equal to 1000/);
    expect((await api(host.url, `/api/v1/users/${uid}/messages`, { key: null })).status).to.equal(401);
  });

  it('reports the store in /readyz', async function () {
    const ready = await api(host.url, '/readyz', { key: null });
    expect(ready.json.checks.store).to.deep.equal({ ok: true });
  });
});

describe('a large push on a host without task processes (tasks.processes: 0)', function () {
  let host: HeraldHost;

  before(async function () {
    host = await startHost({ env: { HERALD_TASK_PROCESSES: '0' } });
  });
  after(async function () {
    closeClients();
    await host?.stop();
  });

  it('is stored and delivered by the worker that took it, not refused', async function () {
    const uids = Array.from({ length: 1001 }, (_, i) => uniqueId(`fan${i}`));
    const socket = await connect(host.url);
    await call(socket, 'login', { token: token(uids[500] as string) });
    const got = next(socket, 'message');
    const answer = await push(host.url, { to: { uids }, data: { big: true } });
    expect(answer).to.include({ ok: true, stored: true });
    expect(await got).to.deep.include({ data: { big: true }, seq: 1 });
  });
});
