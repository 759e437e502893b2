/**
 * A private nginx running the repository's own configuration (deploy/nginx/): only the upstream
 * addresses, the listen addresses and the certificate paths are substituted, so tests exercise
 * the file operators install. It never touches the system service or /etc/nginx: each instance
 * has a prefix of its own under the temp folder (config, logs, pid, temp files), listens on
 * loopback ports, runs in the foreground as a tracked child, and is stopped by the test.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../shared/paths';
import { trackChild } from './processes';
import { freePort } from './ports';
import { waitFor } from './wait';

export const NGINX_BIN = '/usr/sbin/nginx';

/**
 * Skips the calling test or hook when nginx is not installed, saying so; in CI, where `.ci/run`
 * installs it, a missing nginx fails instead of skipping quietly.
 */
export function requireNginx(context: Mocha.Context): void {
  if (existsSync(NGINX_BIN)) return;
  if (process.env.CI === 'true') throw new Error(`${NGINX_BIN} is missing: .ci/run should have installed the nginx package`);
  console.warn(`      skipped: ${NGINX_BIN} is missing (apt-get install -y nginx, as .ci/run does)`);
  context.skip();
}

/** What the repository's config is bent to for a test. */
export interface NginxSiteOptions {
  /** Ports of the Herald hosts on 127.0.0.1, in the order of the upstreams' `server` lines. */
  backends: number[];
  /** Port of the plain server block (`listen 80` in the file). */
  httpPort: number;
  /** Port of the TLS server block (`listen 443 ssl` in the file). */
  httpsPort: number;
  certFile: string;
  keyFile: string;
}

/** Replaces `pattern` (global) and insists it matched exactly `expected` times. */
function substitute(text: string, pattern: RegExp, replace: (match: string, ...groups: string[]) => string, expected: number, what: string): string {
  let count = 0;
  const out = text.replace(pattern, (match: string, ...groups: string[]) => {
    count++;
    return replace(match, ...groups);
  });
  if (count !== expected) throw new Error(`deploy/nginx/herald.conf: expected ${expected} ${what}, found ${count}`);
  return out;
}

/**
 * deploy/nginx/herald.conf with every upstream's `server ADDRESS:9501 …;` lines pointed at the
 * given backends in order (their parameters kept), loopback listen ports, no IPv6 listeners, and
 * the given certificate. Throws when the file no longer has the shape this relies on.
 */
export function renderHeraldSite(template: string, options: NginxSiteOptions): string {
  const upstreams = template.match(/upstream\s+\w+\s*\{[^}]*\}/g) ?? [];
  if (upstreams.length === 0) throw new Error('deploy/nginx/herald.conf: no upstream block');
  let site = template;
  for (const block of upstreams) {
    let index = 0;
    const bent = substitute(
      block,
      /^([ \t]*server[ \t]+)\S+:9501\b/gm,
      (_match, lead) => `${lead}127.0.0.1:${options.backends[index++] ?? 'missing'}`,
      options.backends.length,
      'server lines in an upstream',
    );
    site = site.replace(block, bent);
  }
  site = substitute(site, /^[ \t]*listen[ \t]+\[::\]:\d+[^;]*;[^\n]*\n/gm, () => '', 2, 'IPv6 listen lines');
  site = substitute(site, /\blisten 80;/g, () => `listen 127.0.0.1:${options.httpPort};`, 1, '`listen 80;`');
  site = substitute(site, /\blisten 443 ssl;/g, () => `listen 127.0.0.1:${options.httpsPort} ssl;`, 1, '`listen 443 ssl;`');
  site = substitute(site, /\bssl_certificate\s+\S+;/g, () => `ssl_certificate ${options.certFile};`, 1, 'ssl_certificate lines');
  site = substitute(site, /\bssl_certificate_key\s+\S+;/g, () => `ssl_certificate_key ${options.keyFile};`, 1, 'ssl_certificate_key lines');
  return site;
}

/** A self-signed certificate for 127.0.0.1 and localhost, made with openssl. */
export interface TestCertificate {
  certFile: string;
  keyFile: string;
  /** The certificate itself, for clients to trust (`ca`). */
  pem: string;
}

export function selfSignedCertificate(dir: string): TestCertificate {
  const certFile = join(dir, 'herald-test.crt');
  const keyFile = join(dir, 'herald-test.key');
  const made = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', keyFile, '-out', certFile],
    { encoding: 'utf8' },
  );
  if (made.status !== 0) throw new Error(`openssl could not make a certificate: ${made.stderr}`);
  return { certFile, keyFile, pem: readFileSync(certFile, 'utf8') };
}

/** An nginx prefix holding the rendered config; nothing runs yet. */
export interface NginxPrefix {
  dir: string;
  confFile: string;
  errorLog: string;
  certificate: TestCertificate;
  /** nginx's arguments for this prefix, before any of the caller's. */
  args(): string[];
  remove(): void;
}

export function prepareNginx(site: Omit<NginxSiteOptions, 'certFile' | 'keyFile'>): NginxPrefix {
  const dir = mkdtempSync(join(tmpdir(), 'herald-nginx-'));
  const conf = join(dir, 'conf');
  mkdirSync(join(conf, 'snippets'), { recursive: true });
  mkdirSync(join(dir, 'logs'));
  mkdirSync(join(dir, 'temp'));
  const certificate = selfSignedCertificate(conf);
  const deploy = join(packageRoot(), 'deploy', 'nginx');
  writeFileSync(join(conf, 'herald.conf'), renderHeraldSite(readFileSync(join(deploy, 'herald.conf'), 'utf8'), { ...site, ...certificate }));
  // The site includes `snippets/herald-locations.conf`, relative to the folder of the main config.
  writeFileSync(join(conf, 'snippets', 'herald-locations.conf'), readFileSync(join(deploy, 'herald-locations.conf')));
  const temp = (name: string) => `${name}_temp_path ${join(dir, 'temp', name)};`;
  const confFile = join(conf, 'nginx.conf');
  writeFileSync(
    confFile,
    [
      // As root, nginx's workers would run as `nobody` and could not write temp files here.
      process.getuid?.() === 0 ? `user ${userInfo().username};` : '',
      'worker_processes 1;',
      'events { worker_connections 1024; }',
      'http {',
      `  access_log ${join(dir, 'logs', 'access.log')};`,
      `  ${temp('client_body')} ${temp('proxy')} ${temp('fastcgi')} ${temp('uwsgi')} ${temp('scgi')}`,
      '  include herald.conf;',
      '}',
      '',
    ].join('\n'),
  );
  const errorLog = join(dir, 'logs', 'error.log');
  return {
    dir,
    confFile,
    errorLog,
    certificate,
    args: () => ['-p', `${dir}/`, '-c', confFile, '-e', errorLog],
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** `nginx -t` on a prepared prefix. */
export function testNginxConfig(prefix: NginxPrefix): { ok: boolean; output: string } {
  const run = spawnSync(NGINX_BIN, [...prefix.args(), '-t', '-g', `pid ${join(prefix.dir, 'nginx.pid')};`], { encoding: 'utf8' });
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
}

export interface RunningNginx {
  httpUrl: string;
  httpsUrl: string;
  certificate: TestCertificate;
  /** What nginx logged (errors and warnings). */
  errors(): string;
  /** Fast shutdown (SIGTERM: open websockets are closed, not waited for), then the prefix goes. */
  stop(): Promise<void>;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** nginx in front of the Herald hosts on `backends` (ports on 127.0.0.1), on two free ports. */
export async function startNginx(backends: number[]): Promise<RunningNginx> {
  const [httpPort, httpsPort] = [await freePort(), await freePort()];
  const prefix = prepareNginx({ backends, httpPort, httpsPort });
  const child = trackChild(
    spawn(NGINX_BIN, [...prefix.args(), '-g', `daemon off; pid ${join(prefix.dir, 'nginx.pid')}; error_log ${prefix.errorLog} warn;`], {
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    }),
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const errors = () => `${stderr}${existsSync(prefix.errorLog) ? readFileSync(prefix.errorLog, 'utf8') : ''}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}`);
        return (await accepts(httpPort)) && (await accepts(httpsPort));
      },
      5000,
      'nginx to listen',
    );
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    prefix.remove();
    throw new Error(`${(err as Error).message}\n${errors()}`);
  }
  return {
    httpUrl: `http://127.0.0.1:${httpPort}`,
    httpsUrl: `https://127.0.0.1:${httpsPort}`,
    certificate: prefix.certificate,
    errors,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => {
          try {
            process.kill(-(child.pid as number), 'SIGKILL');
          } catch {
            /* gone */
          }
        }, 5000);
        await exited;
        clearTimeout(timer);
      }
      prefix.remove();
    },
  };
}
