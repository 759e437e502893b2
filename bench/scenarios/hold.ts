/**
 * hold: many logged-in connections on one host (50,000 by default, over enough workers and
 * load processes to stay under 20,000 open files each), then one broadcast that every one of
 * them must receive.
 */
import { benchData, preciseNow } from '../load/wire';
import { holdWorkersFor } from '../options';
import { sampleTree } from '../proc-stats';
import { connectionNotes, started } from './context';
import type { OwnScenario } from './scenario';

export const holdScenario: OwnScenario = {
  kind: 'own',
  name: 'hold',
  title: 'hold: many logged-in connections, one broadcast to all',
  metrics: [
    { key: 'loggedIn', label: 'connections logged in and held', unit: 'count' },
    { key: 'reached', label: 'connections that received the broadcast', unit: 'count' },
    { key: 'broadcastMs', label: 'broadcast → last client received it', unit: 'ms' },
    { key: 'connectRate', label: 'connections + logins per second', unit: 'per-s' },
    { key: 'rssTotal', label: 'server RSS (whole tree)', unit: 'mib' },
    { key: 'rssPerConnection', label: 'server RSS per connection', unit: 'bytes' },
    { key: 'hung', label: 'handshakes that hung', unit: 'count' },
  ],
  async run(ctx) {
    const t = started();
    const n = ctx.options.holdConnections;
    const workers = holdWorkersFor(ctx.options);
    ctx.progress.phase(`hold: starting Herald with ${workers} workers`);
    const server = await ctx.startHerald('hold', { workers });
    const fleet = ctx.startFleet(n);
    try {
      const empty = sampleTree(server.rootPid).rssBytes;
      const connect = await ctx.connect(fleet, server, n, `hold: ${n} logged-in connections`, { deadlineMs: ctx.options.holdConnectTimeout * 1000 });
      const loggedIn = connect.status.loggedIn;
      await fleet.measure('message', 'count');
      ctx.progress.phase(`hold: one broadcast to ${loggedIn}`, loggedIn);
      const sentAt = Date.now();
      await server.broadcast(benchData(preciseNow(), ctx.options.messageBytes));
      // Every logged-in connection must be reached (the cached status may lag; `open` in it too).
      const all = await fleet.waitFor((s) => s.reached >= loggedIn, 30_000, (s) => ctx.progress.update(s.reached, `${s.reached} reached`), 20);
      ctx.progress.finish();
      const { status } = await fleet.collect();
      const rss = sampleTree(server.rootPid).rssBytes;
      const notes = connectionNotes(status);
      if (!all) notes.push(`only ${status.reached} of ${loggedIn} connections received the broadcast within 30 s`);
      if (loggedIn < n) notes.push(`${loggedIn} of ${n} were logged in when the ${ctx.options.holdConnectTimeout} s for connecting ran out`);
      const ok = loggedIn === n && status.reached >= loggedIn;
      return [
        ctx.result('hold', 'herald', t, {
          status: ok ? 'ok' : 'failed',
          ...(ok ? {} : { reason: `${loggedIn} of ${n} logged in, ${status.reached} reached` }),
          metrics: {
            loggedIn,
            reached: status.reached,
            broadcastMs: status.lastReceiveAt > 0 ? status.lastReceiveAt - sentAt : null,
            connectRate: loggedIn / Math.max(0.001, connect.ms / 1000),
            rssTotal: rss,
            rssPerConnection: loggedIn > 0 ? (rss - empty) / loggedIn : null,
            hung: status.hung,
          },
          notes: [...notes, `${workers} Herald workers, ${fleet.pids.length} load-client processes`],
        }),
      ];
    } finally {
      await fleet.stop();
      await server.stop();
    }
  },
};
