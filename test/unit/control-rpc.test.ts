import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { sendCommand } from '../../server/cli/control-client';
import { ControlServer } from '../../server/primary/control-server';
import { loadConfigForReload } from '../../server/primary/primary';
import type { HeraldConfig } from '../../shared/config';
import { ADMIN_COMMANDS, commandsFor, CONTROL_COMMANDS, isAdminCommand, parseArgs, type CliCommand } from '../../shared/control/contract';
import { callLocal, fromWireError, Rpc, toWireError, type Handlers, type RpcMessage } from '../../shared/control/rpc';
import { HeraldError } from '../../shared/errors';
import { silentLogger } from '../../shared/logger';

/** Two RPCs wired to each other, as the two ends of a channel; messages cross on the next tick. */
function pair(options: { timeoutMs?: number } = {}) {
  const sent: RpcMessage[] = [];
  let open = true;
  const a: Rpc = new Rpc(
    {
      send: (message) => {
        if (!open) return Promise.reject(new Error('EPIPE'));
        sent.push(message);
        setImmediate(() => b.receive(JSON.parse(JSON.stringify(message))));
        return Promise.resolve();
      },
    },
    { peer: 'b', ...options },
  );
  const b: Rpc = new Rpc({ send: (message) => void setImmediate(() => a.receive(JSON.parse(JSON.stringify(message)))) }, { peer: 'a' });
  return { a, b, sent, cut: () => (open = false) };
}

async function rejection(promise: Promise<unknown>): Promise<HeraldError> {
  try {
    await promise;
  } catch (err) {
    return err as HeraldError;
  }
  throw new Error('expected a rejection');
}

describe('the control RPC', function () {
  it('answers a call with the handler of its command, typed by the contract', async function () {
    const { a, b } = pair();
    b.serve({ 'presence.count': ({ uids, platform }) => uids.length * 10 + (platform === 'ios' ? 1 : 0) });
    expect(await a.call('presence.count', { uids: ['1', '2'], platform: 'ios' })).to.equal(21);
    expect(a.pendingCount).to.equal(0);
  });

  it('fails a call with no answer in time UNAVAILABLE, naming the peer and command', async function () {
    const { a, b } = pair({ timeoutMs: 30 });
    b.serve({ 'cluster.stats': () => new Promise(() => undefined) });
    const err = await rejection(a.call('cluster.stats', {}));
    expect(err).to.be.instanceOf(HeraldError);
    expect(err.code).to.equal('UNAVAILABLE');
    expect(err.message).to.equal('b did not answer cluster.stats within 30 ms');
    expect(a.pendingCount).to.equal(0);
  });

  it('uses the timeout error its owner gives (the CLI says TIMEOUT)', async function () {
    const rpc = new Rpc({ send: () => undefined }, { timeoutMs: 20, timeoutError: (command, ms) => new HeraldError('TIMEOUT', `${command} ${ms}`) });
    const err = await rejection(rpc.call('status', {}));
    expect([err.code, err.message]).to.deep.equal(['TIMEOUT', 'status 20']);
  });

  it('rejects every pending call UNAVAILABLE when the channel goes away, and later calls too', async function () {
    const { a, b } = pair();
    b.serve({ 'cluster.stats': () => new Promise(() => undefined) });
    const first = a.call('cluster.stats', {});
    const second = a.call('host.metrics', {});
    a.close(new HeraldError('UNAVAILABLE', 'task-0 exited while working on the request'));
    for (const err of [await rejection(first), await rejection(second), await rejection(a.call('stats.history', {}))]) {
      expect([err.code, err.message]).to.deep.equal(['UNAVAILABLE', 'task-0 exited while working on the request']);
    }
  });

  it('fails a call UNAVAILABLE when the channel says the other end is gone', async function () {
    const { a, cut } = pair();
    cut();
    const err = await rejection(a.call('cluster.stats', {}));
    expect([err.code, err.message]).to.deep.equal(['UNAVAILABLE', 'b is gone']);
  });

  it('fails a call INTERNAL when its message cannot be serialized, and the channel stays usable', async function () {
    let calls = 0;
    const rpc = new Rpc({
      send: () => {
        calls++;
        if (calls === 1) throw new Error('object too deep');
      },
    });
    const err = await rejection(rpc.call('cluster.stats', {}));
    expect(err.code).to.equal('INTERNAL');
    expect(err.message).to.contain('object too deep');
    void rpc.call('cluster.stats', {}, 10).catch(() => undefined);
    expect(calls).to.equal(2);
  });

  it('carries a HeraldError across the wire with its code, retryAfter and cause', async function () {
    const { a, b } = pair();
    b.serve({
      'admin.login': () => {
        throw new HeraldError('RATE_LIMITED', 'too many logins', { retryAfter: 42, cause: new HeraldError('REDIS_UNAVAILABLE', 'redis down', { retryAfter: 1 }) });
      },
    });
    const err = await rejection(a.call('admin.login', { ip: '203.0.113.5' }));
    expect(err).to.be.instanceOf(HeraldError);
    expect([err.code, err.message, err.retryAfter]).to.deep.equal(['RATE_LIMITED', 'too many logins', 42]);
    const cause = err.cause as HeraldError;
    expect(cause).to.be.instanceOf(HeraldError);
    expect([cause.code, cause.message, cause.retryAfter]).to.deep.equal(['REDIS_UNAVAILABLE', 'redis down', 1]);
  });

  it('answers an unexpected error INTERNAL with its message (operators read it), its cause kept', async function () {
    const { a, b } = pair();
    b.serve({
      reload: () => {
        throw new Error('disk full', { cause: new Error('ENOSPC') });
      },
    });
    const err = await rejection(a.call('reload', {}));
    expect([err.code, err.message]).to.deep.equal(['INTERNAL', 'disk full']);
    expect((err.cause as HeraldError).message).to.equal('ENOSPC');
  });

  it('answers an unknown command, or one it has no handler for, BAD_REQUEST', async function () {
    const { a, b } = pair();
    b.serve({ status: () => ({}) as never });
    const replies: RpcMessage[] = [];
    const probe = new Rpc({ send: (message) => void replies.push(message) });
    probe.serve({ status: () => ({}) as never });
    probe.receive({ type: 'herald:call', id: 7, command: 'server.explode', args: {} });
    await new Promise((resolve) => setImmediate(resolve));
    expect(replies).to.deep.equal([{ type: 'herald:reply', id: 7, ok: false, error: { code: 'BAD_REQUEST', message: 'unknown command "server.explode"' } }]);
    const err = await rejection(a.call('task.status', {}));
    expect([err.code, err.message]).to.deep.equal(['BAD_REQUEST', 'unknown command "task.status"']);
  });

  it('answers bad args BAD_REQUEST before the handler runs', async function () {
    const { a, b } = pair();
    let ran = false;
    b.serve({
      'process.kill': () => {
        ran = true;
        return [];
      },
    });
    const err = await rejection(a.call('process.kill', { pid: 'twelve' } as never));
    expect(err.code).to.equal('BAD_REQUEST');
    expect(err.message).to.match(/^process\.kill: pid/);
    expect(ran).to.equal(false);
  });

  it('ignores messages that are not its own, and replies nobody waits for', function () {
    const rpc = new Rpc({ send: () => undefined });
    expect(rpc.receive({ type: 'herald:report' })).to.equal(false);
    expect(rpc.receive(null)).to.equal(false);
    expect(rpc.receive({ type: 'herald:reply', id: 99, ok: true, result: 1 })).to.equal(true);
  });

  it('runs a command locally with the same checks (a one-process gateway)', async function () {
    expect(await callLocal({ 'task.status': () => [] }, 'task.status', {})).to.deep.equal([]);
    const err = await rejection(callLocal({}, 'crontab.show', {}));
    expect([err.code, err.message]).to.deep.equal(['UNAVAILABLE', 'crontab.show needs a primary process (this gateway runs alone)']);
  });

  it('rebuilds an unknown code as INTERNAL and drops nothing it knows', function () {
    expect(fromWireError({ code: 'NO_SUCH' as never, message: 'x' }).code).to.equal('INTERNAL');
    expect(toWireError(new HeraldError('RATE_LIMITED', 'slow down', { retryAfter: 3 }))).to.deep.equal({ code: 'RATE_LIMITED', message: 'slow down', retryAfter: 3 });
  });
});

describe('the control contract', function () {
  it('lets the dashboard call only the allowlisted commands, never stop, reload or process.kill', function () {
    expect([...ADMIN_COMMANDS].sort()).to.deep.equal(['crontab.resume', 'crontab.run', 'crontab.show', 'crontab.stop', 'process.show', 'task.status', 'task.webhooks']);
    for (const command of ['stop', 'reload', 'process.kill', 'status', 'presence.add', 'constructor', '']) expect(isAdminCommand(command), command).to.equal(false);
  });

  it('gives the CLI exactly its commands', function () {
    expect(commandsFor('cli').sort()).to.deep.equal(['crontab.resume', 'crontab.run', 'crontab.show', 'crontab.stop', 'process.kill', 'process.show', 'reload', 'status', 'stop', 'task.status', 'task.webhooks']);
  });

  it('checks args: extra keys, wrong types and non-objects are BAD_REQUEST; good args pass', function () {
    expect(parseArgs('process.kill', { pid: 12, force: true })).to.deep.equal({ pid: 12, force: true });
    expect(parseArgs('status', undefined)).to.deep.equal({});
    for (const [command, args] of [
      ['status', { extra: 1 }],
      ['process.kill', { pid: -1 }],
      ['process.kill', [1]],
      ['presence.list', {}],
      ['task.push', { request: {}, origin: 'mars' }],
      ['crontab.stop', { name: 7 }],
    ] as const) {
      expect(() => parseArgs(command, args), `${command} ${JSON.stringify(args)}`).to.throw(HeraldError).with.property('code', 'BAD_REQUEST');
    }
  });

  it('names a process for every command that answers it', function () {
    for (const [name, spec] of Object.entries(CONTROL_COMMANDS)) expect(['primary', 'task', 'cron'], name).to.include(spec.answeredBy);
  });
});

describe('the control socket (CLI ↔ primary, the same RPC)', function () {
  let dir: string;
  let server: ControlServer;
  const config = () => ({ runDir: dir }) as HeraldConfig;

  beforeEach(async function () {
    dir = mkdtempSync(join(tmpdir(), 'herald-control-'));
    const handlers = {
      status: () => ({ pid: 1 }) as never,
      reload: () => {
        throw new HeraldError('BAD_REQUEST', 'invalid configuration, nothing was replaced: in port: bad', { cause: new Error('in port: bad') });
      },
      'task.status': () => new Promise<never>(() => undefined),
    } as unknown as Handlers<CliCommand>;
    server = new ControlServer(join(dir, 'herald.sock'), handlers, silentLogger());
    await server.start(dir);
  });
  afterEach(async function () {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers a call with its result, and a refusal as the HeraldError the handler threw', async function () {
    expect(await sendCommand(config(), 'status')).to.deep.equal({ pid: 1 });
    const err = await rejection(sendCommand(config(), 'reload'));
    expect([err.code, err.message]).to.deep.equal(['BAD_REQUEST', 'invalid configuration, nothing was replaced: in port: bad']);
    expect((err.cause as Error).message).to.equal('in port: bad');
  });

  it('answers bad args, an unknown command and a line that is not JSON BAD_REQUEST', async function () {
    expect((await rejection(sendCommand(config(), 'status', { verbose: true } as never))).code).to.equal('BAD_REQUEST');
    expect(await rawLine(join(dir, 'herald.sock'), '{"command":"server.explode"}')).to.deep.include({ ok: false, error: { code: 'BAD_REQUEST', message: 'unknown command "server.explode"' } });
    expect(await rawLine(join(dir, 'herald.sock'), 'status please')).to.deep.include({ ok: false, error: { code: 'BAD_REQUEST', message: 'send one JSON object per line' } });
    // The envelope before the RPC (no type, no id) still works.
    expect(await rawLine(join(dir, 'herald.sock'), '{"command":"status","args":{}}')).to.deep.include({ ok: true, result: { pid: 1 } });
  });

  it('says TIMEOUT when the server does not answer in time, and NOT_RUNNING when nothing listens', async function () {
    const slow = await rejection(sendCommand(config(), 'task.status', {}, 100));
    expect([slow.code, slow.message]).to.deep.equal(['TIMEOUT', 'no answer from the running server within 0.1 s']);
    await server.close();
    const gone = await rejection(sendCommand(config(), 'status'));
    expect(gone.code).to.equal('NOT_RUNNING');
    expect(gone.message).to.match(/^herald is not running \(no server answers at .*herald\.sock\)$/);
  });
});

/** One raw line to the control socket, its JSON answer back. */
function rawLine(path: string, line: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', reject);
    socket.on('end', () => resolve(JSON.parse(text) as Record<string, unknown>));
    socket.write(`${line}\n`);
  });
}

describe('the reload path', function () {
  it('answers an invalid configuration on disk BAD_REQUEST in one line that names the key, not INTERNAL', function () {
    const before = process.env.HERALD_PORT;
    process.env.HERALD_PORT = 'not-a-port';
    try {
      expect(() => loadConfigForReload())
        .to.throw(HeraldError)
        .that.satisfies((err: HeraldError) => err.code === 'BAD_REQUEST' && /^invalid configuration, nothing was replaced: in port/.test(err.message) && !err.message.includes('\n'));
    } finally {
      if (before === undefined) delete process.env.HERALD_PORT;
      else process.env.HERALD_PORT = before;
    }
  });
});
