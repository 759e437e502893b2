import { expect } from 'chai';
import { ConnectionLimits, isRefusal, refusalResponse, type TrackedConnection } from '../../server/primary/connection-limits';

describe('connection limits (primary)', function () {
  const accept = (limits: ConnectionLimits): TrackedConnection => {
    const c = limits.accept();
    if (isRefusal(c)) throw new Error('refused');
    return c;
  };

  it('refuses the connection past maxPerIp from one address with 429, and takes one again once one closes', function () {
    const limits = new ConnectionLimits({ maxPerIp: 2, exempt: new Set(), maxTotal: 0 });
    const [a, b] = [accept(limits), accept(limits)];
    expect(limits.identify(a, '203.0.113.1')).to.equal(undefined);
    expect(limits.identify(b, '203.0.113.1')).to.equal(undefined);
    const c = accept(limits);
    expect(limits.identify(c, '203.0.113.1')).to.include({ status: 429, code: 'RATE_LIMITED' });
    expect(limits.total).to.equal(2);
    expect(limits.identify(accept(limits), '203.0.113.2')).to.equal(undefined);
    limits.release(a);
    limits.release(a);
    expect(limits.ofAddress('203.0.113.1')).to.equal(1);
    expect(limits.identify(accept(limits), '203.0.113.1')).to.equal(undefined);
  });

  it('does not limit exempt addresses', function () {
    const limits = new ConnectionLimits({ maxPerIp: 1, exempt: new Set(['127.0.0.1']), maxTotal: 0 });
    for (let i = 0; i < 5; i++) expect(limits.identify(accept(limits), '127.0.0.1')).to.equal(undefined);
  });

  it('refuses the connection past maxTotal with 503', function () {
    const limits = new ConnectionLimits({ maxPerIp: 0, exempt: new Set(), maxTotal: 2 });
    accept(limits);
    accept(limits);
    const refused = limits.accept();
    expect(isRefusal(refused) && refused.status).to.equal(503);
  });

  it('counts connections per worker from the hand-off, and forgets them on the worker\'s report or exit', function () {
    const limits = new ConnectionLimits({ maxPerIp: 10, exempt: new Set(), maxTotal: 0 });
    const conns = [1, 2, 3].map(() => accept(limits));
    conns.forEach((c, i) => {
      limits.identify(c, '203.0.113.9');
      limits.handedOff(c, i < 2 ? 1 : 2);
    });
    expect([limits.onWorker(1), limits.onWorker(2)]).to.deep.equal([2, 1]);
    limits.closed((conns[0] as TrackedConnection).id);
    expect(limits.onWorker(1)).to.equal(1);
    limits.workerGone(1);
    expect([limits.onWorker(1), limits.total, limits.ofAddress('203.0.113.9')]).to.deep.equal([0, 1, 1]);
  });

  it('answers a refusal as HTTP with Retry-After and Herald\'s error body', function () {
    const text = refusalResponse({ status: 429, code: 'RATE_LIMITED', message: 'too many open connections from this address', retryAfter: 10 });
    const [head, body] = text.split('\r\n\r\n');
    expect(head).to.match(/^HTTP\/1\.1 429 Too Many Requests\r\n/);
    expect(head).to.include('Retry-After: 10');
    expect(head).to.include(`Content-Length: ${Buffer.byteLength(body as string)}`);
    expect(JSON.parse(body as string)).to.deep.equal({ ok: false, error: { code: 'RATE_LIMITED', message: 'too many open connections from this address', retryAfter: 10 } });
  });
});
