import type { Command } from 'commander';
import { loadConfig } from '../../../shared/config';
import { fail } from '../output';

interface PushOptions {
  uid?: string;
  uids?: string;
  topic?: string;
  all?: boolean;
  platform?: string;
  event?: string;
  data: string;
  durable?: boolean;
  url?: string;
  key?: string;
}

export function registerPushCommand(program: Command): void {
  program
    .command('push')
    .description('send a push through the HTTP API of a running host')
    .option('--uid <uid>', 'one user')
    .option('--uids <list>', 'several users, comma-separated')
    .option('--topic <topic>', 'a topic')
    .option('--all', 'every connection')
    .option('--platform <platform>', 'only this platform')
    .option('--event <name>', 'event name (default: message)')
    .option('--data <json>', 'the payload, JSON', '{}')
    .option('--durable', 'store the push (topic and all pushes)')
    .option('--url <url>', 'the host (default http://127.0.0.1:<configured port>)')
    .option('--key <key>', 'API key (default: HERALD_API_KEY, else the first configured key)')
    .action(async (options: PushOptions) => {
      const targets = [options.uid, options.uids, options.topic, options.all].filter((t) => t !== undefined);
      if (targets.length !== 1) fail('give exactly one of --uid, --uids, --topic, --all');
      let data: unknown;
      try {
        data = JSON.parse(options.data);
      } catch {
        fail('--data is not valid JSON');
      }
      const config = loadConfig();
      const key = options.key ?? process.env.HERALD_API_KEY ?? config.apiKeys[0];
      if (key === undefined) fail('no API key: pass --key or set HERALD_API_KEY');
      const to =
        options.uid !== undefined
          ? { uid: options.uid }
          : options.uids !== undefined
            ? { uids: options.uids.split(',').map((u) => u.trim()) }
            : options.topic !== undefined
              ? { topic: options.topic }
              : { all: true };
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
