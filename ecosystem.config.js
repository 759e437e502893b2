'use strict';
/**
 * pm2 runs Herald's primary: `pm2 start ecosystem.config.js --env online`.
 *
 * The primary forks and supervises its own Socket.IO workers (and task and cron processes), so
 * pm2 runs exactly one process in fork mode. pm2's cluster mode would start several primaries
 * fighting over one port, each with its own workers.
 *
 * Zero-downtime reloads: `herald server reload` (workers replaced one at a time), never
 * `pm2 reload` / `pm2 restart`, which restart the primary and drop every connection.
 * More in docs/DEPLOY.md.
 */
const path = require('node:path');

module.exports = {
  apps: [
    {
      name: 'herald',
      script: 'bin/herald.js',
      args: 'server start',
      // Herald's relative paths (dataDir `data`, config/) are read from the working directory.
      cwd: __dirname,
      exec_mode: 'fork',
      instances: 1,

      // `pm2 start ecosystem.config.js` (local), `--env test`, `--env online`. Secrets
      // (HERALD_API_KEYS, HERALD_JWT_SECRET, …) do not belong here: pm2 passes on the environment
      // of the shell that runs `pm2 start`, so export them there (`set -a; . /etc/herald/herald.env`).
      env: { PUSH_ENV: 'local' },
      env_test: { PUSH_ENV: 'test' },
      env_online: { PUSH_ENV: 'online' },

      // Stopping: pm2 sends SIGINT, which the primary treats like SIGTERM: clients get
      // `kick {reason:'shutdown', reconnect:true}`, workers drain, and after shutdownTimeout
      // (10 s) the primary kills what is left and exits. pm2 waits kill_timeout before its SIGKILL,
      // so the drain always finishes first.
      kill_timeout: 15000, // ms
      // Signal the primary only. By default pm2 signals the whole process tree at once, workers
      // included, and its SIGKILL would then hit them too; the primary owns its workers and stops
      // them itself (and a worker whose primary is gone stops on its own).
      treekill: false,

      autorestart: true,
      // A start that dies within min_uptime counts as unstable; after max_restarts of those pm2
      // gives up instead of looping.
      min_uptime: '10s',
      max_restarts: 10,
      exp_backoff_restart_delay: 500, // ms, doubling up to 15 s between quick deaths
      // Exit status 78 is an invalid configuration: restarting would fail the same way.
      stop_exit_codes: [78],
      // No max_memory_restart: pm2 measures the primary alone (workers are not pm2 processes), and
      // restarting the primary would drop every connection of the host.
      watch: false,

      out_file: path.join(__dirname, 'logs', 'herald.out.log'),
      error_file: path.join(__dirname, 'logs', 'herald.err.log'),
      merge_logs: true, // one file per stream, not one per instance id
      time: true, // prefix every line with pm2's timestamp
    },
  ],
};
