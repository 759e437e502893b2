/**
 * The deployment files say what docs/DEPLOY.md says they do: pm2 runs one primary in fork mode
 * and waits out its graceful stop; nginx's config keeps Socket.IO sticky and passes `nginx -t`;
 * the systemd unit stops the primary gracefully and outlasts its drain.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { AppConfigSchema } from '../../shared/config';
import { packageRoot } from '../../shared/paths';
import { prepareNginx, requireNginx, testNginxConfig } from '../support/nginx';

/** Herald's default graceful-stop budget, in ms (shutdownTimeout is in seconds). */
const shutdownTimeoutMs = AppConfigSchema.parse({}).shutdownTimeout * 1000;
const file = (...parts: string[]) => readFileSync(join(packageRoot(), ...parts), 'utf8');

/** The directives of an nginx file or block, one per line, comments dropped. */
const directives = (text: string) => text.split('\n').map((l) => l.replace(/#.*$/, '').trim()).filter((l) => l !== '');

/** The directives inside `<header> { … }` (a block without nested blocks). */
function block(text: string, header: string): string[] {
  const lines = directives(text);
  const start = lines.indexOf(`${header} {`);
  expect(start, `${header} { … }`).to.be.at.least(0);
  return lines.slice(start + 1, lines.indexOf('}', start));
}

describe('deployment files', function () {
  describe('ecosystem.config.js (pm2)', function () {
    let app: Record<string, unknown>;
    before(function () {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const ecosystem = require(join(packageRoot(), 'ecosystem.config.js')) as { apps: Record<string, unknown>[] };
      expect(ecosystem.apps, 'pm2 apps').to.have.length(1);
      app = ecosystem.apps[0] as Record<string, unknown>;
    });

    it('runs one primary in fork mode: `bin/herald.js server start` from the package folder', function () {
      expect(app).to.include({ name: 'herald', script: 'bin/herald.js', args: 'server start', exec_mode: 'fork', instances: 1, cwd: packageRoot() });
      expect(existsSync(join(app.cwd as string, app.script as string))).to.equal(true);
    });

    it('picks PUSH_ENV per pm2 environment (default, --env test, --env online)', function () {
      expect(app.env).to.deep.equal({ PUSH_ENV: 'local' });
      expect(app.env_test).to.deep.equal({ PUSH_ENV: 'test' });
      expect(app.env_online).to.deep.equal({ PUSH_ENV: 'online' });
    });

    it('waits longer than Herald\'s graceful stop before SIGKILL, and signals the primary alone', function () {
      expect(app.kill_timeout).to.be.a('number').greaterThan(shutdownTimeoutMs);
      expect(app.treekill).to.equal(false);
    });

    it('restarts a crashed primary, but not an invalid configuration (exit 78), and never for memory', function () {
      expect(app.autorestart).to.equal(true);
      expect(app.stop_exit_codes).to.deep.equal([78]);
      expect(app).to.not.have.property('max_memory_restart');
      expect(app.watch).to.equal(false);
    });

    it('writes timestamped logs to one out and one error file', function () {
      expect(app.out_file).to.equal(join(packageRoot(), 'logs', 'herald.out.log'));
      expect(app.error_file).to.equal(join(packageRoot(), 'logs', 'herald.err.log'));
      expect(app).to.include({ merge_logs: true, time: true });
    });
  });

  describe('deploy/nginx', function () {
    const site = file('deploy', 'nginx', 'herald.conf');
    const locations = file('deploy', 'nginx', 'herald-locations.conf');

    it('pins Socket.IO clients with ip_hash and keeps no upstream connections for it', function () {
      const herald = block(site, 'upstream herald');
      expect(herald).to.include('ip_hash;');
      expect(herald.filter((d) => d.startsWith('server '))).to.have.length(2);
      expect(herald.some((d) => d.startsWith('keepalive'))).to.equal(false);
      expect(site).to.match(/^\s*# hash \$remote_addr consistent;$/m);
    });

    it('proxies /socket.io/ to that upstream unbuffered, with the seed\'s 300 s read timeout', function () {
      const socketIo = block(locations, 'location /socket.io/');
      expect(socketIo).to.include.members(['proxy_pass http://herald;', 'proxy_read_timeout 300s;', 'proxy_buffering off;']);
      // Every header comes from the server level; one here would drop all of them in this location.
      expect(socketIo.some((d) => d.startsWith('proxy_set_header'))).to.equal(false);
      expect(directives(locations)).to.include.members([
        'proxy_http_version 1.1;',
        'proxy_set_header Upgrade $http_upgrade;',
        'proxy_set_header Connection $connection_upgrade;',
        'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
      ]);
    });

    it('serves both the plain and the TLS server from the one locations file', function () {
      expect(site.match(/^\s*include snippets\/herald-locations\.conf;/gm)).to.have.length(2);
      expect(directives(site)).to.include.members(['listen 80;', 'listen 443 ssl;']);
    });

    it('passes `nginx -t` with a self-signed certificate in a private prefix', function () {
      requireNginx(this);
      const prefix = prepareNginx({ backends: [9501, 9502], httpPort: 8080, httpsPort: 8443 });
      try {
        const result = testNginxConfig(prefix);
        expect(result.ok, result.output).to.equal(true);
        expect(result.output).to.include('test is successful');
      } finally {
        prefix.remove();
      }
    });
  });

  describe('deploy/systemd/herald.service', function () {
    const unit = directives(file('deploy', 'systemd', 'herald.service'));
    const value = (key: string) => unit.find((d) => d.startsWith(`${key}=`))?.slice(key.length + 1);

    it('runs `herald server start` in the foreground, reloads it with SIGUSR1, stops it with SIGTERM to the primary alone', function () {
      expect(value('Type')).to.equal('simple');
      expect(value('ExecStart')).to.equal('/usr/bin/node /opt/herald/bin/herald.js server start');
      expect(value('ExecReload')).to.equal('/bin/kill -USR1 $MAINPID');
      expect(value('KillSignal')).to.equal('SIGTERM');
      expect(value('KillMode')).to.equal('mixed');
      expect(Number(value('TimeoutStopSec')) * 1000).to.be.greaterThan(shutdownTimeoutMs);
      expect(value('Restart')).to.equal('on-failure');
      expect(value('LimitNOFILE')).to.equal('1048576');
    });

    it('reads online settings and secrets from /etc/herald/herald.env, as its own user', function () {
      expect(unit).to.include.members(['Environment=PUSH_ENV=online', 'EnvironmentFile=-/etc/herald/herald.env', 'User=herald', 'NoNewPrivileges=yes', 'ProtectSystem=full']);
      expect(value('ReadWritePaths')).to.equal('/var/lib/herald');
      expect(unit).to.include('Environment=HERALD_DATA_DIR=/var/lib/herald');
      expect(unit.some((d) => d.startsWith('MemoryDenyWriteExecute'))).to.equal(false);
    });

    it('passes `systemd-analyze verify` where systemd-analyze exists', function () {
      const which = spawnSync('sh', ['-c', 'command -v systemd-analyze'], { encoding: 'utf8' });
      if (which.status !== 0) {
        console.warn('      skipped: systemd-analyze is not installed here');
        this.skip();
      }
      const run = spawnSync('systemd-analyze', ['verify', join(packageRoot(), 'deploy', 'systemd', 'herald.service')], { encoding: 'utf8' });
      expect(run.status, run.stderr).to.equal(0);
      expect(run.stderr.trim(), 'warnings').to.equal('');
    });
  });
});
