/**
 * What checking one push body costs, in a process of its own: the zod schema alone against the
 * push path's checker (a common body checked by hand, shared/protocol/push-quick-check.ts; the
 * schema for anything else), on the bodies `targeted` and the PHP library send, as JSON.parse
 * makes them. Prints µs per body, the median of 5 rounds taken by turns.
 *
 *   node dist-dev/bench/push-check-probe.js [bodies per round = 200000]
 */
import { pushRequestChecker, pushRequestSchema, type PushRequestLimits } from '../shared/protocol';

const LIMITS: PushRequestLimits = { maxDataDepth: 32 };

/** One body of each common kind, as the main site sends them. */
function bodies(count: number): unknown[] {
  const data = 'x'.repeat(100);
  const shapes = [
    (i: number) => ({ to: { uid: `u${i}` }, data: { t: i, s: data } }),
    (i: number) => ({ to: { uid: i }, event: 'order.paid', data: { t: i, s: data }, durable: true }),
    (i: number) => ({ to: { uids: [`u${i}`, `u${i + 1}`] }, data, ttl: 3600 }),
    (i: number) => ({ to: { topic: 'news' }, platform: 'web', data: { t: i } }),
  ];
  return Array.from({ length: count }, (_, i) => JSON.parse(JSON.stringify((shapes[i % shapes.length] as (i: number) => unknown)(i))) as unknown);
}

/** µs per body of one pass of `check` over `input` (every body must pass). */
function round(check: (body: unknown) => boolean, input: unknown[]): number {
  const t0 = process.hrtime.bigint();
  let ok = 0;
  for (const body of input) if (check(body)) ok++;
  const ns = Number(process.hrtime.bigint() - t0);
  if (ok !== input.length) throw new Error(`only ${ok} of ${input.length} bodies passed`);
  return ns / 1000 / input.length;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function main(): void {
  const count = Number(process.argv[2] ?? 200_000);
  const input = bodies(count);
  const schema = pushRequestSchema(LIMITS);
  const checker = pushRequestChecker(LIMITS);
  const ways: [string, (body: unknown) => boolean][] = [
    ['zod schema', (body) => schema.safeParse(body).success],
    ['push path checker', (body) => checker.safeParse(body).success],
  ];
  // Warm both up (JIT), then alternate rounds.
  for (const [, check] of ways) round(check, input.slice(0, 20_000));
  const results = new Map<string, number[]>(ways.map(([name]) => [name, []]));
  for (let r = 0; r < 5; r++) for (const [name, check] of ways) results.get(name)?.push(round(check, input));
  process.stdout.write(`push body check, ${count} bodies per round (uid, uid+event+durable, uids+ttl, topic+platform), median of 5 rounds:\n`);
  for (const [name, us] of results) process.stdout.write(`  ${name.padEnd(18)} ${median(us).toFixed(3)} µs per body\n`);
}

main();
