/**
 * A client that stops reading while pushes flow to it. Before: its worker queued everything
 * (57 MB for one such socket, 172 MB for ten) until the ping timeout dropped it ~45 s later.
 * Now the connection is dropped, with a logged reason, as soon as it holds more than
 * connection.maxBufferedBytes unsent.
 */
import { expect } from 'chai';
import WebSocket from 'ws';
import { silentLogger } from '../../shared/logger';
import { bufferedBytes, SLOW_READER } from '../../server/socket/output-cap';
import type { HeraldSocket } from '../../server/socket/types';
import { createFakeClock, type FakeClock } from '../support/fake-clock';
import { startInProcess, type InProcessHerald } from '../support/in-process';
import { waitFor } from '../support/wait';

const FRAME = 10_000;
const CAP = 1024 * 1024;

/** A raw Engine.IO/Socket.IO client on a websocket, subscribed to `topic`, that then stops reading. */
async function stalledReader(url: string, topic: string): Promise<WebSocket> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
  const frames: string[] = [];
  ws.on('message', (data) => frames.push(data.toString()));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  await waitFor(() => frames.some((f) => f.startsWith('0{')), 2000, 'the Engine.IO open packet');
  ws.send('40');
  await waitFor(() => frames.some((f) => f.startsWith('40{')), 2000, 'the namespace connect');
  ws.send(`420${JSON.stringify(['subscribe', { topic }])}`);
  await waitFor(() => frames.some((f) => f.startsWith('430')), 2000, 'the subscribe answer');
  // Stop reading: the kernel's buffers fill, then the worker's.
  (ws as unknown as { _socket: { pause(): void } })._socket.pause();
  return ws;
}

/**
 * Pushes 10 KB frames to `topic` until the server drops the reader or `max` were sent; the most
 * the worker held for it. With a clock, the cap's check runs (500 ms of Herald time) between frames.
 */
async function pushUntilDropped(herald: InProcessHerald, topic: string, max: number, clock?: FakeClock): Promise<{ sent: number; peak: number; dropped: boolean }> {
  const server = [...herald.gateway.io.of('/').sockets.values()][0] as HeraldSocket;
  const data = 'x'.repeat(FRAME);
  let peak = 0;
  let sent = 0;
  while (sent < max && server.connected) {
    await herald.gateway.push.push({ to: { topic }, data }, 'api');
    sent++;
    peak = Math.max(peak, bufferedBytes(server));
    if (clock !== undefined) await clock.tick(500);
    if (clock !== undefined || sent % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  await new Promise((resolve) => setImmediate(resolve));
  return { sent, peak, dropped: !server.connected };
}

describe('a client that does not read (connection.maxBufferedBytes)', function () {
  let herald: InProcessHerald | undefined;
  let ws: WebSocket | undefined;
  const warnings: { message: string; meta: Record<string, unknown> }[] = [];

  afterEach(async function () {
    ws?.terminate();
    await herald?.close();
    herald = undefined;
  });

  it('drops it once it holds more than 1 MB unsent (checked between frames), with the reason logged, never holding more than the cap and one frame', async function () {
    const logger = silentLogger();
    logger.warn = ((message: string, meta: Record<string, unknown>) => {
      warnings.push({ message, meta });
      return logger;
    }) as typeof logger.warn;
    const clock = createFakeClock();
    herald = await startInProcess({ env: { HERALD_MAX_BUFFERED_BYTES: String(CAP) }, logger, clock });
    ws = await stalledReader(herald.url, 'public.slow');
    const result = await pushUntilDropped(herald, 'public.slow', 5000, clock);
    expect(result.dropped, `${result.sent} pushes sent`).to.equal(true);
    expect(result.peak).to.be.at.most(CAP + FRAME + 100);
    const warning = warnings.find((w) => w.meta?.reason === SLOW_READER);
    expect(warning?.message).to.equal('dropping a connection that does not read its output');
    expect(warning?.meta).to.include({ maxBufferedBytes: CAP });
    const metric = await herald.gateway.metrics.slowReaderDrops.get();
    expect(metric.values[0]?.value).to.equal(1);
    // The client sees the close once it reads again.
    const closed = new Promise((resolve) => ws?.once('close', resolve));
    (ws as unknown as { _socket: { resume(): void } })._socket.resume();
    await closed;
  });

  it('without the cap (0), the worker keeps every push the reader does not take (the behaviour before)', async function () {
    herald = await startInProcess({ env: { HERALD_MAX_BUFFERED_BYTES: '0' } });
    ws = await stalledReader(herald.url, 'public.slow');
    const result = await pushUntilDropped(herald, 'public.slow', 2000);
    expect(result.dropped).to.equal(false);
    // 20 MB pushed; what the kernel's socket buffers did not take stays in the worker.
    expect(result.peak, `peak ${(result.peak / 1e6).toFixed(1)} MB`).to.be.above(5 * 1024 * 1024);
  });
});
