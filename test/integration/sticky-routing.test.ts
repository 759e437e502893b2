/**
 * The primary's routing under the races that break stock @socket.io/sticky: a long-polling
 * client's next request arriving before the worker announced its session, and a websocket
 * client's first frame sent while its socket is being handed to the worker.
 */
import { request } from 'node:http';
import { expect } from 'chai';
import { closeClients, connect, call } from '../support/clients';
import { startHost, type HeraldHost } from '../support/herald-host';

function raw(port: number, method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method, path, agent: false, headers: body !== undefined ? { 'content-type': 'text/plain;charset=UTF-8', 'content-length': Buffer.byteLength(body) } : {} },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('sticky routing in the primary', function () {
  let host: HeraldHost;
  before(async function () {
    host = await startHost();
  });
  after(async function () {
    closeClients();
    await host?.stop();
  });

  it('routes a polling session’s next request to its worker at once: 10 concurrent handshakes × 20, no "Session ID unknown"', async function () {
    const failures: string[] = [];
    for (let round = 0; round < 20; round++) {
      await Promise.all(
        Array.from({ length: 10 }, async () => {
          const handshake = await raw(host.port, 'GET', '/socket.io/?EIO=4&transport=polling');
          const sid = (JSON.parse(handshake.text.slice(1)) as { sid: string }).sid;
          // A fresh TCP connection, immediately: nothing has told the primary about this session.
          const post = await raw(host.port, 'POST', `/socket.io/?EIO=4&transport=polling&sid=${sid}`, '40');
          if (post.status !== 200) failures.push(`${post.status} ${post.text}`);
          const close = await raw(host.port, 'POST', `/socket.io/?EIO=4&transport=polling&sid=${sid}`, '1');
          if (close.status !== 200) failures.push(`close ${close.status}`);
        }),
      );
    }
    expect(failures).to.deep.equal([]);
  });

  it('loses no first websocket frame in the hand-off: 100 connections in a row all reach Socket.IO', async function () {
    for (let i = 0; i < 100; i++) {
      const socket = await connect(host.url, { timeoutMs: 3000 });
      expect((await call(socket, 'heartbeat', {}, 3000)).ok).to.equal(true);
      socket.disconnect();
    }
  });
});
