import type { Command } from 'commander';
import { assertDevSiteAllowed, DEFAULT_DEV_SITE_OPTIONS, DEV_CREDENTIAL_PREFIX, DevSite, type DevSiteCall } from '../../../shared/auth';
import { parseEnvironment } from '../../../shared/config';
import { fail } from '../output';

interface DevSiteFlags {
  host: string;
  port: string;
  user: string[];
  env?: string;
}

/** `--user CREDENTIAL=UID`, repeatable; split at the last `=` (a uid has none). */
function collectUser(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseUsers(entries: readonly string[]): Record<string, string> {
  const users: Record<string, string> = {};
  for (const entry of entries) {
    const at = entry.lastIndexOf('=');
    if (at <= 0 || at === entry.length - 1) fail(`--user must be CREDENTIAL=UID, got ${JSON.stringify(entry.slice(0, 32))}`);
    users[entry.slice(0, at)] = entry.slice(at + 1);
  }
  return users;
}

function describeCall(call: DevSiteCall): string {
  const result = call.uid !== undefined ? `uid ${call.uid}` : 'refused';
  return `${new Date().toISOString()} ${call.type} platform=${call.platform || '-'} ip=${call.ip || '-'} → ${result}`;
}

export function registerDevSiteCommand(program: Command): void {
  program
    .command('dev-site')
    .description("run a stand-in for the main site's verification API, to try ukey logins without the main site (local and test only)")
    .option('--host <address>', 'address to listen on', DEFAULT_DEV_SITE_OPTIONS.host)
    .option('--port <port>', 'port to listen on (0: any free port)', String(DEFAULT_DEV_SITE_OPTIONS.port))
    .option('--user <credential=uid>', `also accept this ukey or token as this uid (repeatable); ${DEV_CREDENTIAL_PREFIX}<uid> is always accepted`, collectUser, [])
    .option('--env <env>', 'environment: local or test (online refuses); overrides PUSH_ENV')
    .action(async (flags: DevSiteFlags) => {
      assertDevSiteAllowed(parseEnvironment(flags.env ?? process.env.PUSH_ENV));
      const port = Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65_535) fail('--port must be a port number (0-65535)');
      const site = new DevSite({ host: flags.host, port, users: parseUsers(flags.user) }, (call) => console.log(describeCall(call)));
      let url: string;
      try {
        url = await site.start();
      } catch (err) {
        fail(`cannot listen on ${flags.host}:${port}: ${(err as Error).message}`, 1);
      }
      const heraldPort = process.env.HERALD_PORT ?? '9501';
      console.log(
        [
          "herald dev-site: a stand-in for the main site's verification API (development only)",
          `listening on ${url}`,
          `accepts any ukey or token ${DEV_CREDENTIAL_PREFIX}<uid> (${DEV_CREDENTIAL_PREFIX}42 logs in as uid 42)${flags.user.length > 0 ? ' and the --user credentials' : ''}; refuses the rest`,
          '',
          'Point Herald at it (in another terminal):',
          `  HERALD_AUTH_VERIFIER=http HERALD_AUTH_URL=${url} herald server start`,
          '',
          'Then log in with a ukey, e.g. with socket.io-client:',
          `  io('http://127.0.0.1:${heraldPort}').emit('login', { ukey: '${DEV_CREDENTIAL_PREFIX}42' }, console.log)`,
          "  → { ok: true, uid: '42', platform: 'web', … }",
          '',
          'Ctrl-C stops it. Each verification is printed below (never the credential).',
        ].join('\n'),
      );
      const stop = () => void site.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
