/**
 * Herald through Redis Sentinel (`HERALD_REDIS_SENTINELS`): two hosts find the master by asking the
 * sentinel, deliver across hosts, and follow a failover (the master SIGKILLed, the replica
 * promoted) without a restart.
 */
import { expect } from 'chai';
import { signToken } from '../../shared/auth';
import { DEV_JWT_SECRET } from '../../shared/config';
import { call, closeClients, connect, type Client } from '../support/clients';
import { startHost, uniqueId, waitForWorkers, type HeraldHost } from '../support/herald-host';
import { api } from '../support/http';
import { PrivateRedisSentinel } from '../support/redis-sentinel';
import { waitFor } from '../support/wait';

const token = (uid: string) => signToken({ uid, secret: DEV_JWT_SECRET, ttl: 3600 });

async function loggedIn(url: string, uid: string): Promise<Client> {
  const socket = await connect(url);
  const answer = await call(socket, 'login', { token: token(uid) });
  expect(answer.ok, JSON.stringify(answer)).to.equal(true);
  return socket;
}

describe('Herald through Redis Sentinel (master + replica + sentinel, two hosts)', function () {
  this.timeout(90_000);
  let sentinel: PrivateRedisSentinel;
  let a: HeraldHost;
  let b: HeraldHost;

  before(async function () {
    sentinel = await PrivateRedisSentinel.start('herald-test');
    const env = { HERALD_REDIS_SENTINELS: sentinel.sentinels, HERALD_REDIS_SENTINEL_NAME: 'herald-test', HERALD_WORKERS: '1', HERALD_LOG_LEVEL: 'info' };
    [a, b] = await Promise.all([startHost({ env }), startHost({ env })]);
    await Promise.all([waitForWorkers(a, 1), waitForWorkers(b, 1)]);
  });
  after(async function () {
    closeClients();
    await Promise.all([a?.stop(), b?.stop()]);
    await sentinel?.stop();
  });

  it('delivers across hosts, and again after the master fails over to the replica', async function () {
    const uid = uniqueId('sentinel');
    const onB = await loggedIn(b.url, uid);
    const seen: string[] = [];
    onB.on('message', (p: { data: string }) => seen.push(p.data));
    expect((await api(a.url, '/api/v1/push', { body: { to: { uid }, data: 'before' } })).status).to.equal(200);
    await waitFor(() => seen.includes('before'), 5000, 'the push before the failover');

    const promotedAfter = await sentinel.killMaster();
    const killedAt = Date.now() - promotedAfter;
    // Pushes through A reach B again once both have found the new master (a push may be refused
    // with 503 or held meanwhile; it is sent again here until one arrives).
    let n = 0;
    await waitFor(
      async () => {
        await api(a.url, '/api/v1/push', { body: { to: { uid }, data: `after-${n++}` } }).catch(() => undefined);
        return seen.some((d) => d.startsWith('after-'));
      },
      30_000,
      'a push after the failover',
      200,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${a.output()}\n----B----\n${b.output()}`);
    });
    console.log(`      (sentinel promoted the replica ${promotedAfter} ms after the kill; pushes crossed hosts again after ${Date.now() - killedAt} ms)`);
    await waitFor(async () => (await api(b.url, '/readyz', { key: null })).status === 200, 15_000, 'host B ready again');
  });
});
