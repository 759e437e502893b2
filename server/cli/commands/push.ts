import type { Command } from 'commander';
import { loadConfig } from '../../../shared/config';
import { PUSH_TARGETS, TARGET_KINDS, type TargetKind } from '../../../shared/protocol';
import { fail } from '../output';

/** `--uid`, `--uids`, `--topic`, `--all`: one option per push target (shared/protocol/push-targets.ts). */
type TargetOptions = { [K in TargetKind]?: string | boolean };

interface PushOptions extends TargetOptions {
  platform?: string;
  event?: string;
  data: string;
  durable?: boolean;
  url?: string;
  key?: string;
}

export function registerPushCommand(program: Command): void {
  const command = program.command('push').description('send a push through the HTTP API of a running host');
  for (const kind of TARGET_KINDS) {
    const { input, summary } = PUSH_TARGETS[kind];
    command.option(input === 'flag' ? `--${kind}` : `--${kind} <${input === 'list' ? 'list' : kind}>`, summary);
  }
  command
    .option('--platform <platform>', 'only this platform')
    .option('--event <name>', 'event name (default: message)')
    .option('--data <json>', 'the payload, JSON', '{}')
    .option('--durable', 'store the push (topic and all pushes)')
    .option('--url <url>', 'the host (default http://127.0.0.1:<configured port>)')
    .option('--key <key>', 'API key (default: HERALD_API_KEY, else the first configured key)')
    .action(async (options: PushOptions) => {
      const given = TARGET_KINDS.filter((kind) => options[kind] !== undefined);
      const kind = given[0];
      if (given.length !== 1 || kind === undefined) fail(`give exactly one of ${TARGET_KINDS.map((k) => `--${k}`).join(', ')}`);
      let data: unknown;
      try {
        data = JSON.parse(options.data);
      } catch {
        fail('--data is not valid JSON');
      }
      const config = loadConfig();
      const key = options.key ?? process.env.HERALD_API_KEY ?? config.apiKeys[0];
      if (key === undefined) fail('no API key: pass --key or set HERALD_API_KEY');
      const to = targetFromOption(kind, options[kind] as string | boolean);
      const body = { to, data, platform: options.platform, event: options.event, durable: options.durable };
      const url = `${options.url ?? `http://127.0.0.1:${config.port}`}/api/v1/push`;
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body: JSON.stringify(body),
        });
      } catch (err) {
        fail(`cannot reach ${url}: ${(err as Error).message}`);
      }
      const text = await response.text();
      console.log(text);
      if (!response.ok) process.exit(1);
    });
}

/** The `to` of `--<kind> [value]`, read as the table says the target is typed. */
function targetFromOption(kind: TargetKind, value: string | boolean): Record<string, unknown> {
  const { input } = PUSH_TARGETS[kind];
  if (input === 'flag') return { [kind]: true };
  if (input === 'list') return { [kind]: String(value).split(',').map((u) => u.trim()) };
  return { [kind]: value };
}
