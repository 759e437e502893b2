/**
 * A subscriber connection may be sent SSUBSCRIBE during its handshake (Redis allows subscribe
 * commands while loading; the adapter subscribes a user's room the moment a socket joins it).
 * With ioredis's INFO ready check, the connection was then in subscriber mode before the check,
 * which failed, reconnected and left an unhandled rejection in a worker (seen in CI).
 */
import { Writable } from 'node:stream';
import { expect } from 'chai';
import Redis from 'ioredis';
import { createLogger } from '../../shared/logger';
import { createRedisClient } from '../../shared/redis';
import { uniqueId } from '../support/herald-host';
import { waitFor } from '../support/wait';

describe('a Redis subscriber connection (shared/redis.ts)', function () {
  it('takes an SSUBSCRIBE sent during its handshake without an error, and receives on it', async function () {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(String(chunk));
        callback();
      },
    });
    const logger = createLogger({ level: 'info', format: 'json', stream });
    const sub = createRedisClient({ kind: 'single', url: 'redis://127.0.0.1:6379' }, logger, { role: 'test-sub', offlineQueue: true, subscriber: true });
    const pub = new Redis('redis://127.0.0.1:6379');
    const channel = uniqueId('herald-sub-handshake');
    const got: string[] = [];
    sub.on('smessage', (_channel: string, message: string) => got.push(message));
    try {
      await new Promise<void>((resolve, reject) => {
        sub.once('connect', () => sub.ssubscribe(channel).then(() => resolve(), reject));
      });
      await waitFor(() => sub.status === 'ready', 3000, 'the subscriber to be ready');
      await pub.spublish(channel, 'hello');
      await waitFor(() => got.length === 1, 3000, 'the message');
      expect(got).to.deep.equal(['hello']);
      expect(lines.filter((l) => l.includes('redis error')), lines.join('')).to.deep.equal([]);
    } finally {
      sub.disconnect();
      pub.disconnect();
    }
  });
});
