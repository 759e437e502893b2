import type { Command } from 'commander';
import { signToken } from '../../../shared/auth';
import { loadConfig } from '../../../shared/config';
import { UID_PATTERN } from '../../../shared/protocol';
import { fail } from '../output';

export function registerTokenCommand(program: Command): void {
  program
    .command('token')
    .description('print a login token signed with the configured HS256 secret (local development)')
    .requiredOption('--uid <uid>', 'the user id to put in the token (sub)')
    .option('--ttl <seconds>', 'lifetime in seconds', '86400')
    .option('--env <env>', 'environment: local, test or online; overrides PUSH_ENV')
    .action((options: { uid: string; ttl: string; env?: string }) => {
      if (options.env !== undefined) process.env.PUSH_ENV = options.env;
      if (!UID_PATTERN.test(options.uid)) fail(`--uid must match ${UID_PATTERN.source}`);
      const ttl = Number(options.ttl);
      if (!Number.isInteger(ttl) || ttl <= 0) fail('--ttl must be a positive whole number of seconds');
      const config = loadConfig();
      const auth = config.auth;
      if (auth.verifier !== 'jwt' || auth.jwt.algorithm !== 'HS256') {
        fail(`tokens can be signed only with the jwt verifier and HS256 (this environment uses ${auth.verifier}${auth.verifier === 'jwt' ? ` ${auth.jwt.algorithm}` : ''})`);
      }
      const jwt = auth.jwt;
      console.log(signToken({ uid: options.uid, secret: jwt.secret, ttl, issuer: jwt.issuer, audience: jwt.audience }));
    });
}
