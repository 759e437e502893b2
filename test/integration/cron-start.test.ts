/**
 * The cron process reads which jobs are stopped only once its Redis connection is up: before,
 * the read went out before the client had connected and failed at every start and reload
 * ("could not read which cron jobs are stopped; running all"), so a stopped job ran again.
 */
import { expect } from 'chai';
import Redis from 'ioredis';
import { deleteKeysWithPrefix } from '../../bench/servers/redis-keys';
import { heraldJson } from '../support/cli';
import { startHost, uniqueId, type HeraldHost } from '../support/herald-host';

describe('the cron process at start', function () {
  const prefix = `${uniqueId('herald-cronstart')}:`;
  const redisUrl = 'redis://127.0.0.1:6379';
  let host: HeraldHost | undefined;

  after(async function () {
    await host?.stop();
    await deleteKeysWithPrefix(redisUrl, prefix);
  });

  it('reads the stopped jobs from Redis without a warning, and keeps a stopped job stopped', async function () {
    const redis = new Redis(redisUrl);
    await redis.sadd(`${prefix}cron:stopped`, 'stats-snapshot');
    redis.disconnect();
    const env = { HERALD_REDIS_URL: redisUrl, HERALD_REDIS_PREFIX: prefix, HERALD_WORKERS: '1' };
    host = await startHost({ env });
    const rows = await heraldJson<{ rows: { name: string; stopped: boolean }[] }>(['crontab', 'show'], { ...env, HERALD_DATA_DIR: host.dataDir });
    expect(host.output()).not.to.include('could not read which cron jobs are stopped');
    expect(rows.rows.find((r) => r.name === 'stats-snapshot')?.stopped).to.equal(true);
    expect(rows.rows.find((r) => r.name === 'message-retention-cleanup')?.stopped).to.equal(false);
  });
});
