/**
 * The private Redis Cluster helper (test/support/redis-cluster.ts) that issue 14's tests build on:
 * it forms a healthy 3+3 cluster, fails a master over to its replica without losing replicated
 * writes, takes the killed node back as a replica, and leaves nothing running.
 */
import { expect } from 'chai';
import calculateSlot from 'cluster-key-slot';
import { Cluster } from 'ioredis';
import { uniqueId } from '../support/herald-host';
import { PrivateRedisCluster } from '../support/redis-cluster';

describe('private Redis Cluster helper', function () {
  this.timeout(30_000);
  let cluster: PrivateRedisCluster | undefined;
  let client: Cluster | undefined;

  after(async function () {
    client?.disconnect();
    await cluster?.stop();
  });

  it('fails a master over to its replica and keeps the data written before', async function () {
    cluster = await PrivateRedisCluster.start();
    const started = await cluster.nodes();
    expect(started.filter((node) => node.role === 'master')).to.have.length(3);
    expect(started.filter((node) => node.role === 'replica')).to.have.length(3);
    expect(cluster.seeds.split(',')).to.have.length(6);

    client = new Cluster(
      cluster.seeds.split(',').map((seed) => ({ host: '127.0.0.1', port: Number(seed.split(':')[1]) })),
      { clusterRetryStrategy: () => 100, redisOptions: { maxRetriesPerRequest: 3 } },
    );
    client.on('error', () => {
      /* a dead node's connection errors until the slots are refreshed; the commands below tell */
    });
    const prefix = uniqueId('herald-cluster-support');
    const keys = Array.from({ length: 30 }, (_, i) => `${prefix}:${i}`);
    const masters = new Set<number>();
    for (const key of keys) masters.add(await cluster.masterOf(key));
    expect(masters.size, 'the keys spread over every master').to.equal(3);
    for (const key of keys) {
      // Replication is asynchronous: WAIT, on the same connection (a cluster pipeline goes to
      // the key's master), until the replica holds the write before anything is killed.
      const results = await client.pipeline().set(key, `value of ${key}`).call('WAIT', '1', '0').exec();
      expect(results?.map(([err, value]) => err ?? value)).to.deep.equal(['OK', 1]);
    }

    const victim = keys[0] as string;
    const owner = await cluster.masterOf(victim);
    const { killedPort, promotedPort, failoverMs } = await cluster.killMasterOf(victim);
    expect(killedPort).to.equal(owner);
    expect(promotedPort).to.not.equal(killedPort);
    expect(await cluster.masterOf(calculateSlot(victim))).to.equal(promotedPort);
    expect(failoverMs).to.be.below(10_000);
    const afterKill = await cluster.nodes();
    expect(afterKill.map((node) => node.port)).to.not.include(killedPort);
    expect(afterKill.find((node) => node.port === promotedPort)?.role).to.equal('master');

    // The client finds the promoted node by itself (MOVED / slot refresh) and reads every key.
    for (const key of keys) expect(await client.get(key)).to.equal(`value of ${key}`);

    await cluster.restart(killedPort);
    const rejoined = (await cluster.nodes()).find((node) => node.port === killedPort);
    expect(rejoined?.role).to.equal('replica');

    const pids = (await cluster.nodes()).map((node) => node.pid);
    client.disconnect();
    client = undefined;
    await cluster.stop();
    await cluster.stop();
    for (const pid of pids) expect(isAlive(pid), `pid ${pid} after stop()`).to.equal(false);
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
