/**
 * Input shapes shared by the fuzz targets: a push body (valid, mutated or hostile) as JSON text,
 * so that what is sent is exactly what is reported.
 */
import type { Rng } from './rng';

/** Nesting depths that matter: JSON parsers and recursive walkers break somewhere in here. */
export function deepLevels(rng: Rng): number {
  return Math.min(rng.pick([64, 200, 1000, 2050, 3000, 4400, 5000, 8000]), depthCap);
}

let depthCap = Number.POSITIVE_INFINITY;

/**
 * Caps the nesting of generated JSON (the draws stay the same, so other cases do not change): once
 * deep nesting is a known crash, `--max-depth 1000` lets a run look past it for other findings.
 */
export function setMaxDepth(levels: number): void {
  depthCap = levels;
}

/** Push targets, plausible and not. */
function target(rng: Rng, uids: readonly string[]): string {
  const uid = JSON.stringify(rng.chance(0.8) ? rng.pick(uids) : rng.string(12));
  return rng.pick([
    `{"uid":${uid}}`,
    `{"uids":[${uid},${JSON.stringify(rng.pick(uids))}]}`,
    `{"uids":${JSON.stringify(Array.from({ length: rng.int(0, 3) }, () => rng.json(1)))}}`,
    `{"topic":${JSON.stringify(rng.pick(['public.fuzz', 'user.' + rng.pick(uids), rng.string(20), 'room.*', 'public.**', '']))}}`,
    `{"all":${JSON.stringify(rng.pick([true, false, 1, 'yes', null]))}}`,
    `{"uid":${uid},"__proto__":{"all":true}}`,
    `{"uid":${uid},"constructor":{"prototype":{"polluted":1}}}`,
    `{"__proto__":{"uid":${uid}}}`,
    `{"uid":${uid},"topic":"public.x"}`,
    JSON.stringify(rng.json(2)) ?? 'null',
  ]);
}

/** The `data` of a push: small JSON, huge numbers, long strings, or nested `deepLevels` deep. */
function data(rng: Rng): string {
  const roll = rng.next();
  if (roll < 0.04) return rng.deepJsonText(deepLevels(rng));
  if (roll < 0.08) return JSON.stringify('x'.repeat(rng.pick([1000, 60_000, 70_000])));
  if (roll < 0.14) return rng.pick(['1e999', '-1e999', '123456789012345678901234567890', '1.7976931348623157e309', '-0', '0.1e-400']);
  return JSON.stringify(rng.json(4)) ?? 'null';
}

/** A whole push body as JSON text (or, now and then, not JSON at all). */
export function pushBodyText(rng: Rng, uids: readonly string[]): string {
  // Half the bodies are valid but for one part, so they get past validation into delivery.
  if (rng.chance(0.5)) return plausiblePush(rng, uids);
  if (rng.chance(0.05)) return rng.pick(['', 'null', '[]', '{', '{"to":', 'undefined', '\u0000', rng.string(40), '{"to":{"uid":"a"},"data":1}garbage']);
  const fields: string[] = [];
  if (!rng.chance(0.05)) fields.push(`"to":${target(rng, uids)}`);
  if (!rng.chance(0.05)) fields.push(`"data":${data(rng)}`);
  if (rng.chance(0.3)) fields.push(`"durable":${JSON.stringify(rng.pick([true, false, 'true', 1, null]))}`);
  if (rng.chance(0.3)) fields.push(`"ttl":${rng.pick(['60', '0', '-1', '1e308', '9007199254740993', '"60"', '0.5', 'null'])}`);
  if (rng.chance(0.3)) fields.push(`"event":${JSON.stringify(rng.pick(['message', 'login', 'kick', '__proto__', 'constructor', '', 'x'.repeat(300), rng.string(10)]))}`);
  if (rng.chance(0.2)) fields.push(`"platform":${JSON.stringify(rng.pick(['web', 'ios', '', rng.string(10)]))}`);
  if (rng.chance(0.1)) fields.push(`"id":${JSON.stringify(rng.json(1))}`);
  if (rng.chance(0.1)) fields.push(`${JSON.stringify(rng.string(6))}:${JSON.stringify(rng.json(2)) ?? 'null'}`);
  if (rng.chance(0.05)) fields.push(`"__proto__":{"durable":false,"to":{"all":true}}`);
  for (let i = fields.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [fields[i], fields[j]] = [fields[j] as string, fields[i] as string];
  }
  return `{${fields.join(',')}}`;
}

/** A valid push to a known user, with hostile data or one odd (still valid-looking) field. */
function plausiblePush(rng: Rng, uids: readonly string[]): string {
  const to = rng.chance(0.8) ? `{"uid":${JSON.stringify(rng.pick(uids))}}` : `{"uids":${JSON.stringify([rng.pick(uids), rng.pick(uids)])}}`;
  const body = rng.chance(0.15) ? rng.deepJsonText(deepLevels(rng)) : data(rng);
  const extra = rng.pick([
    '',
    '',
    ',"durable":false',
    ',"durable":true',
    `,"ttl":${rng.pick([1, 60, 86_400, 604_800])}`,
    `,"event":${JSON.stringify(rng.pick(['message', 'news', 'a'.repeat(64)]))}`,
    ',"platform":"web"',
  ]);
  return `{"to":${to},"data":${body}${extra}}`;
}

/** A short, printable rendering of an input for the report. */
export function show(value: string | Buffer, max = 300): string {
  const text = typeof value === 'string' ? value : `<${value.length} bytes> ${value.subarray(0, 64).toString('hex')}`;
  const printable = JSON.stringify(text);
  return printable.length <= max ? printable : `${printable.slice(0, max)}… (${text.length} chars)`;
}
