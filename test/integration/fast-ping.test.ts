/**
 * Engine.IO's sub-second ping settings against a real host, as conformance and fast-failure tests
 * run them (Engine.IO's own suite: pingInterval 300 ms, pingTimeout 200 ms): a client that never
 * answers a ping is dropped about 0.5 s after it connected, and one that answers stays. Real time
 * on purpose: the rule being proved is Engine.IO's own timer, and it is sub-second.
 */
import { expect } from 'chai';
import WebSocket from 'ws';
import { call, closeClients, connect } from '../support/clients';
import { startHost, type HeraldHost } from '../support/herald-host';
import { sleep, waitFor } from '../support/wait';

interface RawClient {
  ws: WebSocket;
  frames: string[];
  /** Milliseconds since the epoch when the Engine.IO open packet arrived. */
  openedAt: number;
  /** Resolves with the time the server closed the websocket. */
  closed: Promise<number>;
}

/** A raw Engine.IO v4 / Socket.IO v5 client on a websocket; it answers pings only if told to. */
async function rawClient(url: string, answerPings: boolean): Promise<RawClient> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
  const frames: string[] = [];
  let openedAt = 0;
  ws.on('message', (data) => {
    const frame = data.toString();
    frames.push(frame);
    if (frame.startsWith('0{')) openedAt = Date.now();
    if (frame === '2' && answerPings) ws.send('3');
  });
  const closed = new Promise<number>((resolve) => ws.once('close', () => resolve(Date.now())));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  await waitFor(() => openedAt > 0, 2000, 'the Engine.IO open packet');
  ws.send('40');
  await waitFor(() => frames.some((f) => f.startsWith('40{')), 2000, 'the namespace connect');
  return { ws, frames, openedAt, closed };
}

describe('Engine.IO pings of 300 ms / 200 ms on a real host', function () {
  let host: HeraldHost;

  before(async function () {
    host = await startHost({ env: { HERALD_PING_INTERVAL: '0.3', HERALD_PING_TIMEOUT: '0.2', HERALD_WORKERS: '1' } });
  });
  afterEach(function () {
    closeClients();
  });
  after(async function () {
    await host?.stop();
  });

  it('announces the settings in the open packet, in milliseconds', async function () {
    const client = await rawClient(host.url, true);
    const open = JSON.parse(client.frames[0].slice(1)) as { pingInterval: number; pingTimeout: number };
    expect(open).to.include({ pingInterval: 300, pingTimeout: 200 });
    client.ws.close();
  });

  it('drops a client that never answers a ping about 0.5 s after it connected', async function () {
    const silent = await rawClient(host.url, false);
    const closedAt = await Promise.race([silent.closed, sleep(5000).then(() => undefined)]);
    expect(closedAt, 'the silent client was never dropped').to.be.a('number');
    const ms = (closedAt as number) - silent.openedAt;
    // 300 ms to the ping + 200 ms for the pong; the upper bound allows for a loaded 2-core machine.
    expect(ms).to.be.within(450, 2000);
    expect(silent.frames).to.include('2');
  });

  it('keeps a client that answers every ping, and a socket.io-client logged in', async function () {
    const answering = await rawClient(host.url, true);
    const sdk = await connect(host.url);
    await sleep(1500);
    expect(answering.ws.readyState).to.equal(WebSocket.OPEN);
    expect(answering.frames.filter((f) => f === '2').length).to.be.at.least(3);
    expect(sdk.connected).to.equal(true);
    expect((await call(sdk, 'heartbeat', {})).ok).to.equal(true);
    answering.ws.close();
  });
});
