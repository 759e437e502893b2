import { serialize } from 'node:v8';
import cluster from 'node:cluster';
import { expect } from 'chai';
import { createLogger } from '../../shared/logger';
import { checkJsonShape, describeZodError, pushRequestSchema, PushRequestSchema } from '../../shared/protocol';
import { AdapterRelay } from '../../server/primary/adapter-relay';
import { Writable } from 'node:stream';

/** `[[[…]]]`, `depth` levels, parsed the way a request body is. */
const nested = (depth: number): unknown => JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`);

describe('push data shape', function () {
  it('measures depth iteratively: scalars 0, [] 1, and stops at the first level past the limit', function () {
    expect(checkJsonShape('text', 0)).to.equal(undefined);
    expect(checkJsonShape([], 1)).to.equal(undefined);
    expect(checkJsonShape([], 0)).to.deep.equal({ kind: 'too_deep', path: 'data' });
    expect(checkJsonShape({ a: [{ b: 1 }] }, 3)).to.equal(undefined);
    expect(checkJsonShape({ a: [{ b: {} }] }, 3)).to.deep.equal({ kind: 'too_deep', path: 'data.a.0.b' });
    // 100,000 levels would overflow any recursive walk (and V8's serializer at ~2,000).
    expect(checkJsonShape(nested(100_000), 32)?.kind).to.equal('too_deep');
  });

  it('refuses a __proto__ key anywhere, as JSON.parse makes it an own property', function () {
    const value = JSON.parse('{"a":{"__proto__":{"x":1}}}');
    expect(checkJsonShape(value, 32)).to.deep.equal({ kind: 'forbidden_key', path: 'data.a.__proto__' });
    expect(checkJsonShape({ constructor: 1, prototype: 2 }, 32)).to.equal(undefined);
  });

  it('the push schema answers a 3,000-deep data with the limit and its key', function () {
    const parsed = PushRequestSchema.safeParse({ to: { uid: 'u1' }, data: nested(3000) });
    expect(parsed.success).to.equal(false);
    if (!parsed.success) expect(describeZodError(parsed.error)).to.match(/^data: nested deeper than 32 levels at data\.0\.0.*\(push\.maxDataDepth\)$/);
    expect(PushRequestSchema.safeParse({ to: { uid: 'u1' }, data: nested(32) }).success).to.equal(true);
    expect(pushRequestSchema({ maxDataDepth: 40 }).safeParse({ to: { uid: 'u1' }, data: nested(40) }).success).to.equal(true);
    expect(pushRequestSchema({ maxDataDepth: 40 })).to.equal(pushRequestSchema({ maxDataDepth: 40 }));
  });

  it('refuses `to: { uid, __proto__ }` instead of dropping the field', function () {
    const body = JSON.parse('{"to":{"uid":"u1","__proto__":{"x":1}},"data":1}');
    const parsed = PushRequestSchema.safeParse(body);
    expect(parsed.success).to.equal(false);
    if (!parsed.success) expect(describeZodError(parsed.error)).to.equal('to: unknown field "__proto__"');
    const top = PushRequestSchema.safeParse(JSON.parse('{"to":{"uid":"u1"},"data":1,"__proto__":{"durable":true}}'));
    expect(top.success).to.equal(false);
    expect(PushRequestSchema.safeParse({ data: 1 }).success).to.equal(false);
    expect(PushRequestSchema.safeParse({ to: 'u1', data: 1 }).success).to.equal(false);
  });
});

describe('cluster adapter relay in the primary', function () {
  const workersBefore = cluster.workers;
  afterEach(function () {
    (cluster as { workers?: unknown }).workers = workersBefore;
  });

  it('drops, with one log line, a message V8 cannot serialize, and still relays the next one', function () {
    let logged = '';
    const logger = createLogger({ level: 'warn', format: 'json', stream: new Writable({ write: (c, _e, cb) => ((logged += String(c)), cb()) }) });
    const received: unknown[] = [];
    const fakeWorker = (id: number) => ({
      id,
      isConnected: () => true,
      // The real worker.send serializes synchronously and throws RangeError on a value too deep.
      send: (message: unknown) => received.push(serialize(message).length),
    });
    const [a, b] = [fakeWorker(1), fakeWorker(2)];
    (cluster as { workers?: unknown }).workers = { 1: a, 2: b };
    const relay = new AdapterRelay(logger);
    const emit = (message: unknown) => (relay as unknown as { onMessage: (w: unknown, m: unknown) => void }).onMessage(a, message);
    expect(() => emit({ source: '_sio_adapter', uid: 'x', type: 3, data: nested(100_000) })).to.not.throw();
    expect(received).to.have.length(0);
    expect(logged).to.contain('cluster adapter message dropped');
    emit({ source: '_sio_adapter', uid: 'x', type: 3, data: 'fine' });
    expect(received).to.have.length(1);
  });
});
