/**
 * One chaos scenario: hosts up, two SDK devices per user logged in, durable pushes (ephemeral ones
 * with `--ephemeral`) from the keep-alive caller at a steady rate while the scenario's fault
 * script runs, then a settle phase, then the figures (see ScenarioResult and docs/RELIABILITY.md).
 */
import { randomBytes } from 'node:crypto';
import type { HeraldHost } from '../support/herald-host';
import { sleep, waitFor } from '../support/wait';
import { ApiCaller } from './api-caller';
import { ChaosDevice } from './device';
import { minimumDurationMs, type FaultScenario, type FaultWindow } from './faults';
import type { ChaosOptions } from './options';
import type { ChaosServices } from './services';

export interface ScenarioResult {
  scenario: string;
  /** Pushes per `POST /api/v1/push/batch` call (0: single pushes). */
  batch: number;
  /** Whether the pushes were ephemeral (`--ephemeral`). */
  ephemeral: boolean;
  /** Logical pushes started. */
  sent: number;
  /** Logical pushes answered 200 (after retries). */
  answered: number;
  /** Answered pushes that reached every device of their user (deduped by logical push). */
  delivered: number;
  /** Answered pushes missing on at least one device after the settle phase. */
  lost: number;
  /** Extra wire arrivals of a push a device already had (before any dedupe). */
  duplicates: number;
  /** Extra handler calls for the same logical push (what seq dedupe cannot absorb: a retry stored twice). */
  appDuplicates: number;
  /** Wire arrivals of seq n after a higher seq on the same connection. */
  outOfOrder: number;
  /** Longest time from a fault's end to the first 200 after it, in ms (null: no 200 after it). */
  recoverMs: number | null;
  /** Logical pushes never answered 200 within their deadline. */
  unanswered: number;
  /** Attempts beyond the first, over all pushes. */
  retries: number;
  /** Failed attempts by kind. */
  failureKinds: Record<string, number>;
  faults: FaultWindow[];
  /** Host log lines that report an unhandled rejection or an uncaught exception. */
  processErrors: string[];
  /** A few lost pushes, for the report. */
  lostSamples: string[];
  /** A few out-of-order arrivals, for the report. */
  outOfOrderSamples: string[];
  /** Seconds the scenario took, start to figures. */
  seconds: number;
}

const PROCESS_ERROR = /unhandled rejection|uncaught exception/i;

export async function runScenario(services: ChaosServices, scenario: FaultScenario, options: ChaosOptions): Promise<ScenarioResult> {
  const began = Date.now();
  const runId = `chaos-${scenario.name}-${randomBytes(3).toString('hex')}`;
  const log = (line: string): void => {
    if (options.verbose) process.stderr.write(`[${scenario.name} ${((Date.now() - began) / 1000).toFixed(1)}s] ${line}\n`);
  };
  const hosts: HeraldHost[] = [];
  // One Redis prefix for the scenario: its hosts form one cluster.
  for (let i = 0; i < scenario.hosts; i++) hosts.push(await services.startHost(runId));
  log(`hosts up: ${hosts.map((h) => h.url).join(' ')}`);

  // Users and their two devices; with two hosts, a user has one device on each.
  const devices: ChaosDevice[] = [];
  const devicesOf = new Map<string, ChaosDevice[]>();
  const uids: string[] = [];
  for (let u = 0; u < options.users; u++) {
    const uid = `${runId}-u${u}`;
    const token = `token-${uid}`;
    services.mainSite.allow(token, uid);
    uids.push(uid);
    const pair = [1, 2].map((d) => new ChaosDevice(uid, `${uid}-d${d}`, (hosts[(d - 1) % hosts.length] as HeraldHost).url, token, runId));
    devicesOf.set(uid, pair);
    devices.push(...pair);
  }
  for (const device of devices) device.connect();
  const caller = new ApiCaller();
  const result: ScenarioResult = {
    scenario: scenario.name,
    batch: options.batch,
    ephemeral: options.ephemeral,
    sent: 0,
    answered: 0,
    delivered: 0,
    lost: 0,
    duplicates: 0,
    appDuplicates: 0,
    outOfOrder: 0,
    recoverMs: null,
    unanswered: 0,
    retries: 0,
    failureKinds: {},
    faults: [],
    processErrors: [],
    lostSamples: [],
    outOfOrderSamples: [],
    seconds: 0,
  };
  try {
    await waitFor(() => devices.every((d) => d.loggedIn), 30_000, 'every device logged in');
    log(`${devices.length} devices logged in`);

    const durationMs = Math.max(options.duration * 1000, minimumDurationMs(scenario.name));
    const t0 = Date.now();
    const answeredAt = new Map<number, number>();
    const uidOf = new Map<number, string>();
    const inFlight = new Set<Promise<void>>();
    let faultsDone = false;
    const faults = scenario
      .inject({
        services,
        hosts,
        devices,
        t0,
        durationMs,
        at: (ms) => sleep(Math.max(0, t0 + ms - Date.now())),
        log,
      })
      .finally(() => (faultsDone = true));
    faults.catch(() => undefined);

    // The pusher: `rate` logical pushes a second, each to one user, alternating hosts. With
    // `--batch n` the same pushes, in the same order, go out n to a `POST /api/v1/push/batch` call
    // (the calls alternating hosts); as single pushes, calls do not wait for each other.
    const interval = 1000 / options.rate;
    const pushBody = (uid: string, n: number) => ({ to: { uid }, data: { run: runId, n }, ...(options.ephemeral ? { durable: false } : {}) });
    let itemsInFlight = 0;
    let batched: { n: number; uid: string }[] = [];
    let calls = 0;
    const sendBatch = (): void => {
      const items = batched;
      batched = [];
      const host = hosts[calls++ % hosts.length] as HeraldHost;
      itemsInFlight += items.length;
      const call = caller
        .pushBatch(
          () => host.url,
          items.map(({ n, uid }) => ({ body: pushBody(uid, n), idempotencyKey: `${runId}-${n}` })),
        )
        .then((outcomes) => {
          outcomes.forEach((outcome, k) => {
            result.retries += outcome.attempts - 1;
            if (outcome.ok) answeredAt.set((items[k] as { n: number }).n, outcome.answeredAt as number);
            else result.unanswered++;
          });
        })
        .finally(() => (itemsInFlight -= items.length));
      inFlight.add(call);
      void call.finally(() => inFlight.delete(call));
    };
    for (let n = 0; Date.now() - t0 < durationMs || !faultsDone; n++) {
      const due = t0 + n * interval;
      if (due > Date.now()) await sleep(due - Date.now());
      while (inFlight.size > 0 && (options.batch > 0 ? itemsInFlight + batched.length : inFlight.size) >= options.maxInFlight) await Promise.race(inFlight);
      const uid = uids[n % uids.length] as string;
      uidOf.set(n, uid);
      result.sent++;
      if (options.batch > 0) {
        batched.push({ n, uid });
        if (batched.length >= options.batch) sendBatch();
        continue;
      }
      const host = hosts[n % hosts.length] as HeraldHost;
      const call = caller
        .push(() => host.url, pushBody(uid, n), `${runId}-${n}`)
        .then((outcome) => {
          result.retries += outcome.attempts - 1;
          if (outcome.ok) answeredAt.set(n, outcome.answeredAt as number);
          else result.unanswered++;
        });
      inFlight.add(call);
      void call.finally(() => inFlight.delete(call));
    }
    if (batched.length > 0) sendBatch();
    result.faults = await faults;
    log(`push phase over after ${((Date.now() - t0) / 1000).toFixed(1)} s; ${inFlight.size} pushes in flight`);
    await Promise.all(inFlight);
    result.answered = answeredAt.size;

    // Settle: every answered push on every device of its user, or the settle time is over.
    const missing = (): [number, ChaosDevice][] => {
      const out: [number, ChaosDevice][] = [];
      for (const n of answeredAt.keys()) {
        for (const device of devicesOf.get(uidOf.get(n) as string) as ChaosDevice[]) if (!device.handled.has(n)) out.push([n, device]);
      }
      return out;
    };
    await waitFor(() => missing().length === 0, options.settle * 1000, 'every answered push on every device').catch(() => undefined);
    const gone = missing();
    const lostPushes = new Set(gone.map(([n]) => n));
    result.lost = lostPushes.size;
    result.delivered = result.answered - result.lost;
    result.lostSamples = gone.slice(0, 5).map(([n, d]) => `push ${n} to ${d.uid}: not on ${d.device} (${d.wireSeen.has(n) ? 'arrived on the wire, not handled' : 'never arrived'})`);
    for (const device of devices) {
      for (const count of device.wireSeen.values()) result.duplicates += count - 1;
      for (const count of device.handled.values()) result.appDuplicates += count - 1;
      result.outOfOrder += device.outOfOrder.length;
      for (const o of device.outOfOrder.slice(0, 2)) {
        if (result.outOfOrderSamples.length < 5) result.outOfOrderSamples.push(`${o.device} connection ${o.connection}: seq ${o.seq} after ${o.after}`);
      }
    }
    for (const fault of result.faults) {
      const firstAfter = Math.min(...[...answeredAt.values()].filter((at) => at >= fault.end));
      const recover = Number.isFinite(firstAfter) ? firstAfter - fault.end : null;
      if (recover === null) result.recoverMs = null;
      else if (result.recoverMs === null || recover > result.recoverMs) result.recoverMs = recover;
    }
    result.failureKinds = Object.fromEntries(caller.failureKinds);
  } finally {
    caller.close();
    for (const device of devices) device.close();
    for (const host of hosts) {
      for (const line of host.output().split('\n')) if (PROCESS_ERROR.test(line)) result.processErrors.push(line.slice(0, 400));
    }
    await services.stopHosts();
    result.seconds = (Date.now() - began) / 1000;
  }
  return result;
}

/** The one-line summary of a scenario. */
export function formatResult(r: ScenarioResult): string {
  const recover = r.faults.length === 0 ? '-' : r.recoverMs === null ? 'never' : `${(r.recoverMs / 1000).toFixed(2)}s`;
  const verdict = r.lost > 0 || r.outOfOrder > 0 ? 'FAIL' : 'ok';
  return (
    `chaos ${r.scenario.padEnd(6)} ${verdict.padEnd(4)} answered200=${r.answered} delivered=${r.delivered} lost=${r.lost} ` +
    `duplicates=${r.duplicates} appDuplicates=${r.appDuplicates} outOfOrder=${r.outOfOrder} recover=${recover} ` +
    `(${r.ephemeral ? 'ephemeral ' : ''}${r.batch > 0 ? `batch=${r.batch} ` : ''}sent=${r.sent} unanswered=${r.unanswered} retries=${r.retries} processErrors=${r.processErrors.length} ${r.seconds.toFixed(0)}s)`
  );
}

/** Detail lines under the summary: faults, failures by kind, samples. */
export function formatDetails(r: ScenarioResult): string[] {
  const lines = r.faults.map((f) => `  fault: ${f.what}, ${((f.end - f.start) / 1000).toFixed(1)} s`);
  const kinds = Object.entries(r.failureKinds);
  if (kinds.length > 0) lines.push(`  failed attempts: ${kinds.map(([k, v]) => `${k} ×${v}`).join(', ')}`);
  for (const s of r.lostSamples) lines.push(`  lost: ${s}`);
  for (const s of r.outOfOrderSamples) lines.push(`  out of order: ${s}`);
  for (const s of r.processErrors.slice(0, 3)) lines.push(`  process error: ${s}`);
  return lines;
}
