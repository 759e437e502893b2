/**
 * The dashboard at /admin. Logs in with the admin password or an API key (the server answers with
 * an HttpOnly session cookie and a CSRF token), then shows what an operator needs, refreshed
 * every 5 s: hosts and workers, a chart of the last 30 minutes, this host's processes (the data
 * of `herald process show`), cron jobs with stop / resume / run, task processes, a push form and
 * a user look-up with kick. Every action is an /api/v1/admin/ call; everything shown is text.
 * The answers' types are the server's own (shared/control/), imported as types only.
 */
import type {
  AdminCronAnswer,
  AdminLoginAnswer,
  AdminLoginMethod,
  AdminLoginMethodsAnswer,
  AdminOverview,
  AdminSessionAnswer,
  AdminUserAnswer,
  HostSnapshot,
  KickAnswer,
  PushAnswer,
  Section,
} from '../../shared/control/admin-answers';
import type { CronRow } from '../../shared/control/contract';
import type { TargetForm } from '../../shared/protocol/push-targets';
import { AdminApi, type Answer } from './admin-api';
import { drawChart } from './chart';
import { byId, el, fillTable, replace, setText, type Child } from './dom';
import { count, dateTime, json, megabytes } from './format';

/** Milliseconds between two refreshes of the overview. */
const REFRESH_MS = 5000;

const api = new AdminApi();
let refreshTimer: ReturnType<typeof setInterval> | undefined;

function value(id: string): string {
  return byId<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>(id).value.trim();
}

function failure(answer: { error: { code: string; message: string } }): string {
  return `${answer.error.code}: ${answer.error.message}`;
}

/** Shows a result line under a form; `ok` picks its style (null: a question, neither). */
function note(id: string, text: string, ok: boolean | null): void {
  const target = byId(id);
  target.textContent = text;
  if (ok === null) delete target.dataset.ok;
  else target.dataset.ok = String(ok);
}

/** A time in a table cell, as a <time> the stylesheet keeps on one line (not broken at its hyphens). */
function when(ms: number | null | undefined): Child {
  const text = dateTime(ms);
  return text === '-' ? text : el('time', { datetime: new Date(ms as number).toISOString() }, text);
}

function showLogin(message?: string): void {
  if (refreshTimer !== undefined) clearInterval(refreshTimer);
  refreshTimer = undefined;
  document.body.dataset.view = 'login';
  if (message !== undefined) note('login-result', message, false);
  void offerLoginMethods();
}

async function openSession(): Promise<boolean> {
  const answer = await api.get<AdminSessionAnswer>('session');
  if (!answer.ok) return false;
  api.useSession(answer.csrf, answer.csrfHeader);
  document.body.dataset.view = 'dashboard';
  setText('session-host', `${answer.hostId} (${answer.env})`);
  setText('session-via', `${answer.via === 'password' ? 'admin password' : `API key ${answer.via.replace(/^key:/, '')}`}${answer.expiresAt !== null ? `, until ${dateTime(answer.expiresAt)}` : ''}`);
  byId('console-link').hidden = !answer.console;
  fillPushTargets(answer.pushTargets);
  await refresh();
  if (refreshTimer === undefined) refreshTimer = setInterval(() => void refresh(), REFRESH_MS);
  return true;
}

/**
 * Offers only the credentials this host accepts and selects the first (the admin password when
 * one is set, else an API key): the `local` default has no password, and its documented key
 * must not be sent as one.
 */
async function offerLoginMethods(): Promise<void> {
  const answer = await api.get<AdminLoginMethodsAnswer>('login');
  if (!answer.ok) return;
  const select = byId<HTMLSelectElement>('login-kind');
  for (const option of Array.from(select.options)) option.disabled = !answer.methods.includes(option.value as AdminLoginMethod);
  const first = answer.methods[0];
  if (first === undefined) {
    note('login-result', 'nobody can log in here: configure admin.password (HERALD_ADMIN_PASSWORD) or apiKeys (HERALD_API_KEYS)', false);
    return;
  }
  select.value = first;
}

async function login(event: Event): Promise<void> {
  event.preventDefault();
  const secret = value('login-secret');
  if (secret === '') return note('login-result', 'give the admin password or an API key', false);
  const body = value('login-kind') === 'password' ? { password: secret } : { apiKey: secret };
  const answer = await api.post<AdminLoginAnswer>('login', body);
  if (!answer.ok) return note('login-result', failure(answer), false);
  byId<HTMLInputElement>('login-secret').value = '';
  note('login-result', '', true);
  if (new URLSearchParams(location.search).get('next') === 'console') {
    location.assign('/console');
    return;
  }
  await openSession();
}

async function logout(): Promise<void> {
  await api.post('logout', {});
  api.useSession(null);
  showLogin('logged out');
}

// ---------------------------------------------------------------------------------------------
// The overview
// ---------------------------------------------------------------------------------------------

async function refresh(): Promise<void> {
  const answer = await api.get<AdminOverview>('overview');
  if (!answer.ok) {
    if (answer.status !== 401) note('refresh-result', `could not refresh: ${failure(answer)}`, false);
    return;
  }
  note('refresh-result', `updated ${dateTime(Date.now())}`, true);
  renderHosts(answer.stats.hosts);
  renderHistory(answer.history);
  renderSection('processes', answer.processes, 9, (rows) =>
    rows.map((r) => [r.pid, r.name, r.group, r.state, megabytes(r.memory), megabytes(r.peakMemory), when(r.startedAt), r.group === 'worker' ? r.connections : '-', when(r.lastHeartbeat)]),
  );
  renderSection('tasks', answer.tasks, 8, (rows) =>
    rows.map((r) => [r.index, r.pid, r.running, r.done, r.failed, r.queued, r.averageMs, when(r.startedAt)]),
  );
  renderSection('cron', answer.cron, 8, (result) => result.rows.map(cronRow));
  renderSection('webhooks', answer.webhooks, 6, (w) => {
    const oldest = w.oldestPendingAt === null ? 'none' : `${Math.max(0, Math.round((Date.now() - w.oldestPendingAt) / 1000))} s`;
    setText('webhooks-summary', w.enabled ? `${count(w.receivers, 'receiver')}, ${w.queued} queued, oldest pending ${oldest}, ${w.dead} dead` : `off (webhooks.urls is empty); ${w.dead} dead`);
    return w.deadLetters.map((d) => [d.id, d.type, d.uid, when(d.createdAt), d.attempts, d.lastError ?? '']);
  });
}

function renderHosts(hosts: HostSnapshot[]): void {
  fillTable(
    byId<HTMLTableSectionElement>('hosts-body'),
    hosts.map((h) => [
      h.hostId,
      h.env,
      h.adapter,
      `${h.workers.filter((w) => w.state === 'ready').length}/${h.expectedWorkers}`,
      h.connections,
      h.users,
      h.rates.pushes,
      h.rates.deliveries,
      h.rates.logins,
      when(h.updatedAt),
    ]),
    'no host reported yet',
    10,
  );
  fillTable(
    byId<HTMLTableSectionElement>('workers-body'),
    hosts.flatMap((h) =>
      h.workers.map((w) => [h.hostId, `herald.Worker.${w.index}`, w.pid, w.state, w.connections, w.loggedIn, megabytes(w.memory.rss), megabytes(w.memory.heapUsed), when(w.at)]),
    ),
    'no worker reported yet',
    9,
  );
}

/** The last history drawn, to draw again at a new width when the window is resized. */
let shownHistory: AdminOverview['history'] = [];

function renderHistory(history: AdminOverview['history']): void {
  shownHistory = history;
  const times = history.map((s) => s.at);
  drawChart(byId('chart-connections'), 'Connections and logged-in users, last 30 minutes', times, [
    { label: 'connections', className: 's1', values: history.map((s) => s.connections) },
    { label: 'users', className: 's2', values: history.map((s) => s.users) },
  ]);
  drawChart(byId('chart-rates'), 'Pushes and deliveries per second', times, [
    { label: 'pushes/s', className: 's3', values: history.map((s) => s.rates.pushes) },
    { label: 'deliveries/s', className: 's4', values: history.map((s) => s.rates.deliveries) },
  ]);
}

function renderSection<T>(name: string, section: Section<T>, columns: number, rows: (result: T) => Child[][]): void {
  const body = byId<HTMLTableSectionElement>(`${name}-body`);
  if (!section.ok) {
    replace(body, el('tr', {}, el('td', { colspan: String(columns), class: 'empty' }, `unavailable: ${section.error.message}`)));
    return;
  }
  fillTable(body, rows(section.result), 'none', columns);
}

function cronRow(row: CronRow): Child[] {
  const button = (action: 'stop' | 'resume' | 'run', text: string) =>
    el('button', { type: 'button', class: 'small', 'data-job': row.name, 'data-action': action }, text);
  const actions = el('span', { class: 'actions' }, row.stopped ? button('resume', 'Resume') : button('stop', 'Stop'), button('run', 'Run now'));
  return [row.name, el('code', { class: 'nowrap' }, row.rule), row.runs, when(row.nextRun), when(row.lastRun), row.lastResult ?? '-', row.stopped ? 'yes' : 'no', actions];
}

async function cronAction(event: Event): Promise<void> {
  const button = (event.target as HTMLElement).closest('button');
  const name = button?.dataset.job;
  const action = button?.dataset.action;
  if (button === null || button === undefined || name === undefined || action === undefined) return;
  button.disabled = true;
  const answer = await api.post<AdminCronAnswer>(`crontab/${action}`, { name });
  note('cron-result', answer.ok ? answer.message ?? `${name}: ${action} done` : failure(answer), answer.ok);
  await refresh();
}

// ---------------------------------------------------------------------------------------------
// Push and user look-up
// ---------------------------------------------------------------------------------------------

/** The push targets the server offers (its target table), filled in when the session opens. */
let pushTargets: readonly TargetForm[] = [];

function selectedTarget(): TargetForm | undefined {
  return pushTargets.find((t) => t.kind === value('push-target'));
}

function fillPushTargets(targets: readonly TargetForm[]): void {
  pushTargets = targets;
  const options = targets.map((t) => {
    return el('option', { value: t.kind }, `${t.kind} (${t.summary})`);
  });
  replace(byId('push-target'), ...options);
  byId<HTMLInputElement>('push-to').disabled = selectedTarget()?.input === 'flag';
}

function pushTarget(): Record<string, unknown> | string {
  const target = selectedTarget();
  if (target === undefined) return 'choose a target';
  const text = value('push-to');
  if (target.input === 'flag') return { [target.kind]: true };
  if (text === '') return `give the ${target.kind}`;
  if (target.input === 'list') return { [target.kind]: text.split(',').map((u) => u.trim()).filter((u) => u !== '') };
  return { [target.kind]: text };
}

async function sendPush(event: Event): Promise<void> {
  event.preventDefault();
  const to = pushTarget();
  if (typeof to === 'string') return note('push-result', to, false);
  let data: unknown;
  try {
    data = JSON.parse(value('push-data') || 'null');
  } catch (error) {
    return note('push-result', `data is not JSON: ${(error as Error).message}`, false);
  }
  const body: Record<string, unknown> = { to, data };
  if (value('push-event') !== '') body.event = value('push-event');
  if (value('push-platform') !== '') body.platform = value('push-platform');
  if (value('push-durable') !== '') body.durable = value('push-durable') === 'true';
  const answer = await api.post<PushAnswer>('push', body);
  note('push-result', answer.ok ? `sent ${answer.id}: stored ${answer.stored}, online ${answer.online ?? 'not counted (topic/all)'}` : failure(answer), answer.ok);
}

async function lookUp(event?: Event): Promise<void> {
  event?.preventDefault();
  const uid = value('user-uid');
  if (uid === '') return note('user-result', 'give a uid', false);
  const answer: Answer<AdminUserAnswer> = await api.get<AdminUserAnswer>(`users/${encodeURIComponent(uid)}`);
  if (!answer.ok) return note('user-result', failure(answer), false);
  note('user-result', `${answer.uid}: ${answer.online ? `online, ${count(answer.connections, 'connection')}` : 'offline'}`, true);
  byId('user-details').hidden = false;
  fillTable(
    byId<HTMLTableSectionElement>('sessions-body'),
    answer.sessions.map((s) => [s.sid, s.platform, s.device ?? '-', when(s.since), s.node]),
    'no connection',
    5,
  );
  const messages = answer.messages;
  if (!messages.ok) {
    replace(byId('messages-body'), el('tr', {}, el('td', { colspan: '5', class: 'empty' }, `unavailable: ${messages.error.message}`)));
  } else {
    fillTable(
      byId<HTMLTableSectionElement>('messages-body'),
      messages.rows.map((m) => [m.seq, m.event, when(m.ts), m.topic ?? '-', el('code', {}, json(m.data))]),
      'no stored message',
      5,
    );
  }
  setText('messages-note', messages.ok && messages.truncated ? 'the newest 20; older ones are kept too' : '');
}

/** Milliseconds the Kick button waits for its confirming second press. */
const KICK_CONFIRM_MS = 10_000;

/** The kick the button asks to confirm: its uid and reason, and the timer that gives up. */
let pendingKick: { uid: string; reason: string; timer: ReturnType<typeof setTimeout> } | null = null;

/** Puts the Kick button back to its first step (after a kick, a timeout, or a changed form). */
function cancelKick(): void {
  if (pendingKick === null) return;
  clearTimeout(pendingKick.timer);
  pendingKick = null;
  const button = byId<HTMLButtonElement>('kick');
  button.textContent = 'Kick';
  delete button.dataset.confirm;
  note('kick-result', '', true);
}

/**
 * Kick is two presses: the first names what would happen and turns the button into "Confirm
 * kick" for 10 s; only the second sends it. (No window.confirm(): a page may have dialogs
 * switched off, and a dialog says nothing about which user and reason.)
 */
async function kick(): Promise<void> {
  const uid = value('user-uid');
  if (uid === '') return note('user-result', 'give a uid', false);
  const reason = value('kick-reason') || 'admin';
  if (pendingKick === null || pendingKick.uid !== uid || pendingKick.reason !== reason) {
    cancelKick();
    pendingKick = { uid, reason, timer: setTimeout(cancelKick, KICK_CONFIRM_MS) };
    const button = byId<HTMLButtonElement>('kick');
    button.textContent = 'Confirm kick';
    button.dataset.confirm = 'true';
    note('kick-result', `Close every connection of ${uid} (reason ${reason})? Press Confirm kick within ${KICK_CONFIRM_MS / 1000} s.`, null);
    return;
  }
  cancelKick();
  const body: Record<string, unknown> = { uid, reason };
  if (value('kick-message') !== '') body.message = value('kick-message');
  const answer = await api.post<KickAnswer>('kick', body);
  note('kick-result', answer.ok ? `kicked ${count(answer.kicked, 'connection')}` : failure(answer), answer.ok);
  if (answer.ok) setTimeout(() => void lookUp(), 500);
}

function start(): void {
  api.onLoggedOut = () => {
    if (document.body.dataset.view === 'dashboard') showLogin('the session ended; log in again');
  };
  byId('login-form').addEventListener('submit', (event) => void login(event));
  byId('logout').addEventListener('click', () => void logout());
  byId('refresh').addEventListener('click', () => void refresh());
  byId('cron-body').addEventListener('click', (event) => void cronAction(event));
  byId('push-form').addEventListener('submit', (event) => void sendPush(event));
  byId('push-target').addEventListener('change', () => {
    byId<HTMLInputElement>('push-to').disabled = selectedTarget()?.input === 'flag';
  });
  byId('user-form').addEventListener('submit', (event) => void lookUp(event));
  byId('kick').addEventListener('click', () => void kick());
  for (const id of ['user-uid', 'kick-reason']) byId(id).addEventListener('input', cancelKick);
  let resizing = false;
  window.addEventListener('resize', () => {
    if (resizing || document.body.dataset.view !== 'dashboard') return;
    resizing = true;
    requestAnimationFrame(() => {
      resizing = false;
      renderHistory(shownHistory);
    });
  });
  void openSession().then((open) => {
    if (!open) showLogin();
  });
}

start();
