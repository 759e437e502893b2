/**
 * The SDK as an npm package (@herald/client, client/package.json): `npm pack` in client/ builds it
 * (prepack: client/build-package.mjs) and makes a tarball; the tarball is installed into a temp
 * project the way an app would install it, and used from an ES module (`import`), a CommonJS
 * script (`require`) and TypeScript (the package's .d.ts, checked with the repository's tsc),
 * against a real Herald gateway this test starts: connect, log in with a token, receive a push.
 *
 * The install is `npm install --offline` (socket.io-client and its few dependencies come from npm's
 * cache); only when the cache lacks them does it fall back to `--prefer-offline`, which fetches them
 * from the registry once.
 */
import { expect } from 'chai';
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { signToken } from '../../shared/auth';
import { DEV_JWT_SECRET } from '../../shared/config';
import { packageRoot } from '../../shared/paths';
import { push } from '../support/http';
import { startInProcess, type InProcessHerald } from '../support/in-process';

const run = promisify(execFile);
const root = packageRoot();
const NPM_QUIET = ['--no-audit', '--no-fund', '--loglevel=error'];
/** The package's name, quoted into the app sources below (not written as an import here, so the declared-packages scan does not take it for one of this file's). */
const PACKAGE = JSON.stringify('@herald/client');

/** What the app scripts below print, one JSON object a line. */
interface Line {
  event: 'loaded' | 'loggedIn' | 'message' | 'error';
  [key: string]: unknown;
}

/** The same app as an ES module and as a CommonJS script: log in, print the first push, exit. */
function appScript(load: string): string {
  return `${load}
const entry = String(ENTRY);
const say = (line) => console.log(JSON.stringify(line));
say({ event: 'loaded', entry, exports: Object.keys(sdk).sort() });
const client = new sdk.HeraldClient({
  url: process.env.HERALD_URL,
  credentials: { token: process.env.HERALD_TOKEN },
  platform: 'server',
  device: process.env.HERALD_DEVICE,
  storage: new sdk.MemoryStorage(),
});
client.on('loggedIn', (user) => say({ event: 'loggedIn', uid: user.uid, platform: user.platform }));
client.on('loginFailed', (e) => say({ event: 'error', code: e.code }));
client.on('message', (data, meta) => {
  say({ event: 'message', data, id: meta.id });
  client.close();
});
`;
}

const ESM_APP = appScript(`import * as sdk from ${PACKAGE};\nconst ENTRY = import.meta.resolve(${PACKAGE});`);
const CJS_APP = appScript(`const sdk = require(${PACKAGE});\nconst ENTRY = require.resolve(${PACKAGE});`);

/** A TypeScript app: checked (not run) against the package's types; every error is a failure. */
const TS_APP = `import { HeraldClient, MemoryStorage, DEFAULT_CLIENT_POLICY, type LoginResult, type PushMeta } from ${PACKAGE};

interface Pushes extends Record<string, unknown> {
  message: { text: string };
}
const client = new HeraldClient<Pushes>({
  url: 'http://127.0.0.1:9501',
  credentials: { token: 'a token' },
  storage: new MemoryStorage(),
});
client.on('message', (data, meta: PushMeta) => {
  const text: string = data.text;
  const id: string = meta.id;
  console.log(text, id);
});
client.on('loggedIn', (user: LoginResult) => console.log(user.uid, user.heartbeatInterval));
const delays: readonly number[] = DEFAULT_CLIENT_POLICY.reconnect.delays;
console.log(delays, client.state);

// The types are real, not \`any\`: each line below must be an error.
// @ts-expect-error credentials are { ukey } or { token }
new HeraldClient({ url: 'http://127.0.0.1:9501', credentials: { password: 'x' } });
client.on('message', (data) => {
  // @ts-expect-error a message push's data is { text: string }
  const n: number = data.text;
  console.log(n);
});
`;

function readJson(file: string): any { // eslint-disable-line @typescript-eslint/no-explicit-any
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** Runs `node <script>` in `cwd`, pushes to `uid` once the app logged in, and returns its lines. */
async function runApp(cwd: string, script: string, herald: InProcessHerald, uid: string): Promise<Line[]> {
  const child = spawn(process.execPath, [script], {
    cwd,
    env: { ...process.env, HERALD_URL: herald.url, HERALD_TOKEN: signToken({ uid, secret: DEV_JWT_SECRET, ttl: 600 }), HERALD_DEVICE: `${uid}-device` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const lines: Line[] = [];
  const timer = setTimeout(() => child.kill(), 20_000);
  try {
    for await (const text of createInterface({ input: child.stdout })) {
      const line = JSON.parse(text) as Line;
      lines.push(line);
      if (line.event === 'loggedIn') await push(herald.url, { to: { uid }, data: { text: `hello ${uid}` } });
    }
    const code = await exited;
    expect(code, `${script} exit code (stderr: ${stderr})`).to.equal(0);
    return lines;
  } finally {
    clearTimeout(timer);
  }
}

describe('client SDK: the npm package (@herald/client), packed, installed and used', function () {
  this.timeout(120_000);
  const clientDir = join(root, 'client');
  let work: string;
  let project: string;
  let tarball: string;
  let herald: InProcessHerald | undefined;

  before(async function () {
    work = mkdtempSync(join(tmpdir(), 'herald-client-package-'));
    project = join(work, 'app');
    const { stdout } = await run('npm', ['pack', '--pack-destination', work, ...NPM_QUIET], { cwd: clientDir });
    tarball = join(work, stdout.trim().split('\n').pop() as string);

    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'herald-package-probe', version: '1.0.0', private: true }, null, 2));
    try {
      await run('npm', ['install', '--offline', ...NPM_QUIET, tarball], { cwd: project });
    } catch (error) {
      if (!/ENOTCACHED/.test(String((error as { stderr?: string }).stderr))) throw error;
      console.log('      (npm cache lacks socket.io-client: installing with --prefer-offline)');
      await run('npm', ['install', '--prefer-offline', ...NPM_QUIET, tarball], { cwd: project });
    }
    writeFileSync(join(project, 'app.mjs'), ESM_APP);
    writeFileSync(join(project, 'app.cjs'), CJS_APP);
    herald = await startInProcess();
  });

  after(async function () {
    await herald?.close();
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  it('the tarball holds the built package only: esm, cjs, types, README, package.json', async function () {
    const { stdout } = await run('tar', ['-tzf', tarball]);
    const files = stdout.trim().split('\n').sort();
    expect(files).to.include.members([
      'package/package.json',
      'package/README.md',
      'package/dist-package/esm/index.mjs',
      'package/dist-package/cjs/index.cjs',
      'package/dist-package/types/client/src/index.d.ts',
      'package/dist-package/esm/server.mjs',
      'package/dist-package/cjs/server.cjs',
      'package/dist-package/types/client/src/server.d.ts',
    ]);
    expect(files.filter((file) => !/^package\/(package\.json|README\.md|dist-package\/(esm|cjs|types)\/.+)$/.test(file)), 'nothing else').to.deep.equal([]);
    expect(files.filter((file) => /schemas|zod|\.ts$/.test(file) && !file.endsWith('.d.ts')), 'no sources, no schemas').to.deep.equal([]);
  });

  it('is installed with socket.io-client pinned like the repository, and nothing of the server', function () {
    const installed = join(project, 'node_modules', '@herald', 'client');
    const manifest = readJson(join(installed, 'package.json'));
    const ours = readJson(join(clientDir, 'package.json'));
    expect(manifest.name).to.equal('@herald/client');
    expect(manifest.version).to.equal(ours.version);
    expect(manifest.engines).to.deep.equal({ node: '>=20.0.0' });
    expect(manifest.exports['.']).to.deep.equal({
      types: './dist-package/types/client/src/index.d.ts',
      import: './dist-package/esm/index.mjs',
      require: './dist-package/cjs/index.cjs',
    });
    expect(manifest.exports['./server']).to.deep.equal({
      types: './dist-package/types/client/src/server.d.ts',
      import: './dist-package/esm/server.mjs',
      require: './dist-package/cjs/server.cjs',
    });
    expect(manifest.dependencies).to.deep.equal({ 'socket.io-client': readJson(join(root, 'package.json')).dependencies['socket.io-client'] });
    expect(readJson(join(project, 'node_modules', 'socket.io-client', 'package.json')).version).to.equal(manifest.dependencies['socket.io-client']);
    const probe = createRequire(join(project, 'package.json'));
    for (const name of ['zod', 'socket.io', 'ioredis']) expect(() => probe.resolve(name), name).to.throw();
    const loads = { 'esm/index.mjs': 'import { io } from "socket.io-client";', 'cjs/index.cjs': 'require("socket.io-client")' };
    for (const [file, load] of Object.entries(loads)) {
      const code = readFileSync(join(installed, 'dist-package', file), 'utf8');
      expect(code, file).not.to.include('ZodError');
      expect(code, `${file} loads socket.io-client from the dependency`).to.include(load);
      expect(code, `${file} does not carry socket.io-client's code (engine.io's "xhr poll error")`).not.to.include('xhr poll error');
    }
  });

  it('works from an ES module (import): connect, log in with a token, receive a push', async function () {
    const lines = await runApp(project, 'app.mjs', herald as InProcessHerald, 'pkg-esm');
    expect(lines[0].event).to.equal('loaded');
    expect(lines[0].entry).to.match(/\/dist-package\/esm\/index\.mjs$/);
    expect(lines[0].exports).to.include.members(['HeraldClient', 'MemoryStorage', 'DEFAULT_CLIENT_POLICY', 'LIFECYCLE_EVENTS', 'systemClock']);
    expect(lines.slice(1)).to.deep.include({ event: 'loggedIn', uid: 'pkg-esm', platform: 'server' });
    const message = lines.find((line) => line.event === 'message');
    expect(message?.data).to.deep.equal({ text: 'hello pkg-esm' });
    expect(message?.id).to.be.a('string');
  });

  it('works from CommonJS (require): connect, log in with a token, receive a push', async function () {
    const lines = await runApp(project, 'app.cjs', herald as InProcessHerald, 'pkg-cjs');
    expect(lines[0].event).to.equal('loaded');
    expect(lines[0].entry).to.match(/\/dist-package\/cjs\/index\.cjs$/);
    expect(lines[0].exports).to.include.members(['HeraldClient', 'MemoryStorage', 'DEFAULT_CLIENT_POLICY', 'LIFECYCLE_EVENTS', 'systemClock']);
    expect(lines.slice(1)).to.deep.include({ event: 'loggedIn', uid: 'pkg-cjs', platform: 'server' });
    expect(lines.find((line) => line.event === 'message')?.data).to.deep.equal({ text: 'hello pkg-cjs' });
  });

  it('serves the backend helpers as @herald/client/server (import and require), without socket.io-client', async function () {
    const entry = JSON.stringify('@herald/client/server');
    const esm = await run(process.execPath, ['--input-type=module', '-e', `import * as s from ${entry}; console.log(Object.keys(s).sort().join(','))`], { cwd: project });
    const cjs = await run(process.execPath, ['-e', `console.log(Object.keys(require(${entry})).sort().join(','))`], { cwd: project });
    for (const { stdout } of [esm, cjs]) expect(stdout.trim()).to.equal('HeraldApi,HeraldApiError,newIdempotencyKey');
    const code = readFileSync(join(project, 'node_modules', '@herald', 'client', 'dist-package', 'esm', 'server.mjs'), 'utf8');
    expect(code).not.to.include('socket.io-client');
  });

  it("type-checks a TypeScript app against the package's types, from both module systems", async function () {
    writeFileSync(join(project, 'app.mts'), TS_APP);
    writeFileSync(join(project, 'app.cts'), TS_APP);
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'node16', moduleResolution: 'node16', lib: ['ES2022', 'DOM'], types: [], strict: true, noEmit: true },
        files: ['app.mts', 'app.cts'],
      }),
    );
    const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
    const checked = await run(process.execPath, [tsc, '-p', project, '--listFiles'], { cwd: project }).catch((error: { stdout: string }) => {
      throw new Error(`tsc failed:\n${error.stdout}`);
    });
    const files = checked.stdout.split('\n');
    expect(files.some((file) => file.endsWith('/node_modules/@herald/client/dist-package/types/client/src/index.d.ts')), 'the package types were used').to.equal(true);
    expect(files.filter((file) => /zod|shared\/protocol\/schemas/.test(file)), 'no zod, no schemas').to.deep.equal([]);
  });
});
