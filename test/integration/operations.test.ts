/**
 * The operators' commands end to end, as the seed's operators type them, against a daemonized
 * host: start -d, status, process show/kill, task status during a 20,000-uid push, crontab
 * show/stop/resume/run with a scheduled push, a reload under 200 connected clients, stop and
 * stop -force.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { isAlive as alive } from '../../server/cli/control-client';
import { io, type Socket } from 'socket.io-client';
import { signToken } from '../../shared/auth';
import { DEV_JWT_SECRET } from '../../shared/config';
import { call, closeClients, collect, connect, next } from '../support/clients';
import { loadConfig } from '../../shared/config';
import { sendCommand } from '../../server/cli/control-client';
import { herald, heraldJson } from '../support/cli';
import { uniqueId } from '../support/herald-host';
import { api } from '../support/http';
import { freePort } from '../support/ports';
import { sleep, waitFor } from '../support/wait';

const token = (uid: string) => signToken({ uid, secret: DEV_JWT_SECRET, ttl: 3600 });

describe('operations CLI against a daemonized host', function () {
  this.timeout(120_000);
  let env: Record<string, string>;
  let dir: string;
  let url: string;

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), 'herald-ops-'));
    const configDir = join(dir, 'config');
    mkdirSync(join(configDir, 'local'), { recursive: true });
    const shipped = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'config', 'local', 'app.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(
      join(configDir, 'local', 'app.json'),
      JSON.stringify({
        ...shipped,
        push: { maxUids: 20_000, maxBodyBytes: 2 * 1024 * 1024 },
        // 200 clients log in at once from one address in the reload test.
        rateLimits: { loginPerIp: { rate: 1000, burst: 1000 } },
        cron: { jobs: [{ name: 'tick', schedule: '* * * * * *', push: { to: { topic: 'public.tick' }, event: 'tick', data: 'tick' } }] },
      }),
    );
    const port = await freePort();
    env = {
      PUSH_ENV: 'local',
      HERALD_CONFIG_DIR: configDir,
      HERALD_DATA_DIR: join(dir, 'data'),
      HERALD_PORT: String(port),
      HERALD_HOST: '127.0.0.1',
      HERALD_WORKERS: '2',
      HERALD_LOG_LEVEL: 'info',
      HERALD_SHUTDOWN_TIMEOUT: '5',
    };
    url = `http://127.0.0.1:${port}`;
    const started = await herald(['server', 'start', '-d', '-mode=websocket'], env);
    expect(started.code, started.stderr).to.equal(0);
    expect(started.stdout).to.match(new RegExp(`^herald started: pid \\d+, port ${port}, env local, log .*herald\\.log`));
  });

  after(async function () {
    closeClients();
    await herald(['server', 'stop', '-force'], env);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a second start on the same data folder, in one line', async function () {
    const again = await herald(['server', 'start', '-d'], env);
    expect(again.code).to.equal(1);
    expect(again.stderr.trim()).to.match(/^herald: herald is already running \(pid \d+, .*herald\.pid\)$/);
  });

  it('server status shows connections, totals, processes, env, adapter and store', async function () {
    const socket = await connect(url);
    await call(socket, 'login', { token: token('status-user') });
    const status = await heraldJson(['server', 'status'], env);
    expect(status).to.include({ env: 'local', adapter: 'cluster', store: 'sqlite', taskProcesses: 1, cron: true, tls: false });
    expect(status.workers).to.deep.equal({ ready: 2, expected: 2 });
    const text = await herald(['server', 'status'], env);
    for (const item of ['connections', 'users', 'accepted total', 'closed total', 'start time', 'workers', 'task processes', 'adapter', 'store']) {
      expect(text.stdout).to.match(new RegExp(`^${item} +\\S`, 'm'));
    }
    socket.disconnect();
  });

  it('process show lists the primary, workers, task and cron processes; -d formats, --json for scripts', async function () {
    const rows = await heraldJson<{ pid: number; name: string; group: string; memory: number; peakMemory: number }[]>(['process', 'show'], env);
    expect(rows.map((r) => r.name)).to.deep.equal(['herald.Primary', 'herald.Worker.0', 'herald.Worker.1', 'herald.TaskWorker.0', 'herald.Crontab']);
    expect(rows.map((r) => r.group)).to.deep.equal(['primary', 'worker', 'worker', 'task', 'cron']);
    for (const r of rows) {
      expect(alive(r.pid)).to.equal(true);
      expect(r.peakMemory).to.be.at.least(r.memory);
    }
    const formatted = await herald(['process', 'show', '-d'], env);
    expect(formatted.stdout).to.match(/herald\.Worker\.0 +worker +ready +\d+\.\d MB +\d+\.\d MB +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d +/);
    const raw = await herald(['process', 'show'], env);
    expect(raw.stdout).to.match(/herald\.Worker\.0 +worker +ready +\d{6,} +\d{6,} +\d{10}/);
  });

  it('forks the Socket.IO workers with the configured semi-space (workerSemiSpaceMb), the other processes with V8\'s default', async function () {
    const rows = await heraldJson<{ pid: number; group: string; nodeOptions: string[] }[]>(['process', 'show'], env);
    expect(rows.map((r) => r.group)).to.deep.equal(['primary', 'worker', 'worker', 'task', 'cron']);
    for (const row of rows) {
      const semiSpace = row.nodeOptions.filter((arg) => arg.includes('semi-space'));
      expect(semiSpace, `${row.group} ${row.pid}`).to.deep.equal(row.group === 'worker' ? ['--max-semi-space-size=4'] : []);
    }
  });

  it('process kill --pid stops a worker gracefully; it is respawned and its clients reconnect', async function () {
    const before = await heraldJson<{ pid: number; name: string }[]>(['process', 'show'], env);
    const victim = before.find((r) => r.name === 'herald.Worker.0') as { pid: number };
    const uid = uniqueId('killed');
    const sockets: Socket[] = [];
    for (let i = 0; i < 4; i++) {
      const socket = io(url, { transports: ['websocket'], reconnectionDelay: 100, reconnectionDelayMax: 500, randomizationFactor: 0 });
      socket.on('connect', () => void call(socket, 'login', { token: token(uid), device: `d${i}` }).catch(() => undefined));
      sockets.push(socket);
    }
    await waitFor(async () => (await api(url, `/api/v1/online/${uid}`)).json.connections === 4, 10_000, 'four logins');
    const kicked = collect(sockets[0] as Socket, 'kick');
    const result = await herald(['process', 'kill', `-pid=${victim.pid}`], env);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.match(new RegExp(`^${victim.pid} +herald\\.Worker\\.0 +worker`, 'm'));
    await waitFor(() => !alive(victim.pid), 10_000, 'the old worker to exit');
    const after = await waitFor(async () => {
      const rows = await heraldJson<{ pid: number; name: string; state: string; nodeOptions: string[] }[]>(['process', 'show'], env);
      const fresh = rows.find((r) => r.name === 'herald.Worker.0');
      return fresh !== undefined && fresh.pid !== victim.pid && fresh.state === 'ready' ? rows : undefined;
    }, 15_000, 'a new herald.Worker.0');
    expect(after.filter((r) => r.name.startsWith('herald.Worker.'))).to.have.length(2);
    const respawned = after.find((r) => r.name === 'herald.Worker.0') as { nodeOptions: string[] };
    expect(respawned.nodeOptions, 'a respawned worker keeps its Node options').to.include('--max-semi-space-size=4');
    await waitFor(async () => (await api(url, `/api/v1/online/${uid}`)).json.connections === 4, 10_000, 'every client back');
    for (const socket of sockets) socket.disconnect();
    void kicked;
  });

  it('process kill --group=task stops the task processes; the primary brings them back', async function () {
    const before = (await heraldJson<{ pid: number; group: string }[]>(['process', 'show'], env)).filter((r) => r.group === 'task');
    const result = await herald(['process', 'kill', '--group=task', '-f'], env);
    expect(result.code).to.equal(0);
    expect(result.stdout).to.match(/^killed \(SIGKILL\)/);
    await waitFor(async () => {
      const rows = (await heraldJson<{ pid: number; group: string; state: string }[]>(['process', 'show'], env)).filter((r) => r.group === 'task');
      return rows.length === before.length && rows.every((r) => r.state === 'ready' && !before.some((b) => b.pid === r.pid));
    }, 15_000, 'new task processes');
    const unknown = await herald(['process', 'kill', '--group=nobody'], env);
    expect(unknown.code).to.equal(1);
    expect(unknown.stderr.trim()).to.equal('herald: unknown group "nobody" (worker, task, cron)');
  });

  it('task status shows a 20,000-uid push running in a task process, then done', async function () {
    const before = await heraldJson<{ done: number }[]>(['task', 'status'], env);
    const uids = Array.from({ length: 20_000 }, (_, i) => `fan-${i}`);
    const config = loadConfig({ env });
    let inFlight = true;
    const pushing = api(url, '/api/v1/push', { body: { to: { uids }, data: { big: true } } }).finally(() => {
      inFlight = false;
    });
    // The operator's command while the push is in flight…
    const during = herald(['task', 'status'], env);
    // …and a close watch on the same control socket, to see the job running.
    let sawRunning = false;
    while (inFlight && !sawRunning) {
      const rows = await sendCommand(config, 'task.status');
      sawRunning = rows.some((r) => r.running > 0);
      await sleep(10);
    }
    expect(sawRunning, 'the fan-out was seen running in a task process').to.equal(true);
    expect((await during).stdout).to.match(/^index +pid +running +done +failed +queued +average ms +start time\n[- ]+\n0 +\d+ +\d+ +\d+ +\d+ +\d+ +\d+ +\d{4}-/);
    const answer = await pushing;
    expect(answer.status, answer.text).to.equal(200);
    expect(answer.json).to.include({ stored: true, online: 0 });
    const after = await heraldJson<{ done: number; averageMs: number }[]>(['task', 'status'], env);
    expect(after[0]?.done).to.be.greaterThan(before[0]?.done ?? 0);
    expect(after[0]?.averageMs).to.be.greaterThan(0);
    const text = await herald(['task', 'status'], env);
    expect(text.stdout).to.match(/^index +pid +running +done +failed +queued +average ms +start time/);
  });

  it('crontab show/stop/resume/run: a scheduled push reaches a client, and stops while the job is stopped', async function () {
    const socket = await connect(url);
    await call(socket, 'subscribe', { topic: 'public.tick' });
    const ticks = collect(socket, 'tick');
    await waitFor(() => ticks.length >= 2, 10_000, 'scheduled pushes every second');
    const show = await heraldJson<{ rows: { name: string; rule: string; runs: number; stopped: boolean }[] }>(['crontab', 'show'], env);
    expect(show.rows.map((r) => r.name)).to.deep.equal(['message-retention-cleanup', 'stats-snapshot', 'tick']);
    expect(show.rows.find((r) => r.name === 'tick')).to.include({ rule: '* * * * * *', stopped: false });

    const stopped = await herald(['crontab', 'stop', '--name=tick'], env);
    expect(stopped.stdout).to.match(/^tick stopped/);
    await sleep(1200);
    const countWhileStopped = ticks.length;
    await sleep(2000);
    expect(ticks.length, 'no ticks while stopped').to.equal(countWhileStopped);

    const ran = await herald(['crontab', 'run', '--name=tick'], env);
    expect(ran.stdout).to.match(/^tick: ok: push /);
    await waitFor(() => ticks.length === countWhileStopped + 1, 5000, 'the push of the manual run');

    await herald(['crontab', 'resume', '--name=tick'], env);
    await waitFor(() => ticks.length >= countWhileStopped + 3, 10_000, 'ticks again after resume');
    const missing = await herald(['crontab', 'stop', '--name=nope'], env);
    expect(missing.code).to.equal(1);
    expect(missing.stderr.trim()).to.equal('herald: no cron job "nope" (see herald crontab show)');
    socket.disconnect();
  });

  it('reload with 200 clients: every one back and logged in, no refused connection, no lost durable push', async function () {
    const before = await heraldJson<{ pid: number; name: string }[]>(['process', 'show'], env);
    const clients: { socket: Socket; uid: string; logins: number; seqs: Set<number>; ids: Set<string>; errors: number }[] = [];
    for (let i = 0; i < 200; i++) {
      const uid = `reload-${i}`;
      const socket = io(url, { transports: ['websocket'], reconnectionDelay: 100, reconnectionDelayMax: 1000, randomizationFactor: 0.5 });
      const client = { socket, uid, logins: 0, seqs: new Set<number>(), ids: new Set<string>(), errors: 0 };
      socket.on('connect', () => {
        void call(socket, 'login', { token: token(uid), device: `dev-${i}` }, 20_000)
          .then((answer) => {
            if (answer.ok === true) client.logins++;
          })
          .catch(() => undefined);
      });
      socket.on('connect_error', () => client.errors++);
      socket.on('message', (payload: { id: string; seq?: number }) => {
        if (payload.seq !== undefined) client.seqs.add(payload.seq);
        client.ids.add(payload.id);
        if (payload.seq !== undefined) socket.emit('ack', { seq: payload.seq });
      });
      clients.push(client);
    }
    await waitFor(() => clients.every((c) => c.logins >= 1), 30_000, '200 logins');

    // Durable pushes and new connections keep coming while the host reloads.
    const accepted = new Map<string, string>();
    let refusedProbes = 0;
    let probes = 0;
    let pushing = true;
    const pusher = (async () => {
      let n = 0;
      while (pushing) {
        const client = clients[n++ % clients.length] as (typeof clients)[number];
        const answer = await api(url, '/api/v1/push', { body: { to: { uid: client.uid }, data: n } }).catch(() => undefined);
        if (answer?.status === 200) accepted.set(answer.json.id, client.uid);
      }
    })();
    const prober = (async () => {
      while (pushing) {
        probes++;
        try {
          const s = await connect(url, { timeoutMs: 10_000 });
          s.disconnect();
        } catch {
          refusedProbes++;
        }
        await sleep(50);
      }
    })();
    const reload = await herald(['server', 'reload'], env, 120_000);
    pushing = false;
    await Promise.all([pusher, prober]);
    expect(reload.code, reload.stderr).to.equal(0);
    expect(reload.stdout).to.match(/^herald\.Worker\.0 +\d+ +\d+$/m);
    expect(reload.stdout).to.match(/reload done in [\d.]+ s/);
    const after = await heraldJson<{ pid: number; name: string }[]>(['process', 'show'], env);
    for (const name of ['herald.Worker.0', 'herald.Worker.1', 'herald.TaskWorker.0', 'herald.Crontab']) {
      const old = before.find((r) => r.name === name)?.pid;
      const fresh = after.find((r) => r.name === name)?.pid;
      expect(fresh, `${name} replaced`).to.not.equal(old);
    }
    expect(after.find((r) => r.name === 'herald.Primary')?.pid).to.equal(before.find((r) => r.name === 'herald.Primary')?.pid);

    await waitFor(() => clients.every((c) => c.socket.connected && c.logins >= 2), 60_000, 'every client reconnected and logged in again');
    expect(refusedProbes, `refused probe connections out of ${probes}`).to.equal(0);
    expect(probes).to.be.greaterThan(5);
    expect(accepted.size).to.be.greaterThan(20);
    await waitFor(
      () => [...accepted].every(([id, uid]) => clients.find((c) => c.uid === uid)?.ids.has(id) === true),
      30_000,
      'every accepted durable push on its client',
    );
    for (const client of clients) client.socket.disconnect();
  });

  it('stop drains and exits; stop -force kills a host and its whole process group', async function () {
    const rows = await heraldJson<{ pid: number }[]>(['process', 'show'], env);
    const stop = await herald(['server', 'stop', '-mode=websocket'], env);
    expect(stop.code, stop.stderr).to.equal(0);
    expect(stop.stdout.trim()).to.equal(`herald stopped (pid ${rows[0]?.pid})`);
    for (const r of rows) expect(alive(r.pid), `pid ${r.pid} gone`).to.equal(false);
    const notRunning = await herald(['server', 'status'], env);
    expect(notRunning.code).to.equal(1);
    expect(notRunning.stderr.trim()).to.match(/^herald: herald is not running \(no server answers at .*herald\.sock\); start it with node \S*bin\/herald\.js server start -d$/);

    expect((await herald(['server', 'start', '-d'], env)).code).to.equal(0);
    const second = await heraldJson<{ pid: number }[]>(['process', 'show'], env);
    const forced = await herald(['server', 'stop', '-force'], env);
    expect(forced.code).to.equal(0);
    expect(forced.stdout.trim()).to.equal(`herald killed (pid ${second[0]?.pid} and its process group)`);
    await waitFor(() => second.every((r) => !alive(r.pid)), 5000, 'every process gone');
    void next;
  });
});
