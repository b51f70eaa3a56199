// supd's dashboard: every program with its state, health, uptime, restarts, memory and CPU,
// start/stop/restart/signal buttons, the selected program's process tree and live output, and
// jobs. Plain browser JavaScript, no framework: it reads GET /api/overview, follows
// GET /api/events (server-sent events fed by the same events listeners get) and
// GET /api/tail/NAME, and acts through POST /api/control. All text goes in with textContent.

const SIGNALS = ['HUP', 'INT', 'USR1', 'USR2', 'TERM', 'KILL'];
const MAX_TAIL_CHARS = 64 * 1024;
/** Memory and CPU change without events: refresh them this often while the page is visible. */
const REFRESH_MS = 5000;

const $ = (id) => document.getElementById(id);
let selected = null;
let tailSource = null;
let refreshTimer = null;
let refreshSoon = null;
let lastOverview = null;
/** The signal chosen for each program, kept across re-renders. */
const chosenSignal = new Map();

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === 'class') node.className = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

function formatUptime(seconds) {
  const days = Math.floor(seconds / 86400);
  const rest = seconds % 86400;
  const pad = (n) => String(n).padStart(2, '0');
  const clock = `${Math.floor(rest / 3600)}:${pad(Math.floor((rest % 3600) / 60))}:${pad(rest % 60)}`;
  return days === 0 ? clock : `${days}d ${clock}`;
}

function formatBytes(bytes) {
  if (bytes === null || bytes === undefined) return '';
  const units = ['B', 'K', 'M', 'G'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value}B` : `${value.toFixed(1)}${units[unit]}`;
}

async function control(method, params) {
  const response = await fetch('/api/control', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ method, params }),
  });
  if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
  return response.json();
}

async function act(name, action, signal) {
  $('message').textContent = '';
  try {
    let result;
    if (action === 'start') result = await control('supervisor.startProcess', [name, false]);
    else if (action === 'stop') result = await control('supervisor.stopProcess', [name, true]);
    else if (action === 'signal') result = await control('supervisor.signalProcess', [name, signal]);
    else if (action === 'restart') {
      const stopped = await control('supervisor.stopProcess', [name, true]);
      // Stopping a stopped program is no reason not to start it.
      if (!stopped.ok && !stopped.fault.startsWith('NOT_RUNNING')) result = stopped;
      else result = await control('supervisor.startProcess', [name, false]);
    }
    if (result && !result.ok) $('message').textContent = `${action} ${name}: ${result.fault}`;
  } catch (error) {
    $('message').textContent = `${action} ${name}: ${error.message}`;
  }
  scheduleRefresh(0);
}

function actions(program) {
  const name = program.namespec;
  const stop = (handler) => (event) => {
    event.stopPropagation();
    handler();
  };
  const signal = el(
    'select',
    { 'aria-label': `signal for ${name}`, onclick: (e) => e.stopPropagation(), onchange: (e) => chosenSignal.set(name, e.target.value) },
    ...SIGNALS.map((s) => el('option', { value: s }, s)),
  );
  signal.value = chosenSignal.get(name) ?? SIGNALS[0];
  return el(
    'td',
    {},
    el('button', { 'data-action': 'start', onclick: stop(() => act(name, 'start')) }, 'start'),
    el('button', { 'data-action': 'stop', onclick: stop(() => act(name, 'stop')) }, 'stop'),
    el('button', { 'data-action': 'restart', onclick: stop(() => act(name, 'restart')) }, 'restart'),
    signal,
    el('button', { 'data-action': 'signal', onclick: stop(() => act(name, 'signal', signal.value)) }, 'signal'),
  );
}

function renderPrograms(overview) {
  const rows = overview.programs.map((p) => {
    const total = Object.values(p.restarts).reduce((a, b) => a + b, 0);
    const byReason = Object.entries(p.restarts).filter(([, n]) => n > 0).map(([r, n]) => `${r} ${n}`).join(', ');
    const row = el(
      'tr',
      { class: `program${p.namespec === selected ? ' selected' : ''}`, 'data-name': p.namespec, onclick: () => select(p.namespec) },
      el('td', {}, p.namespec),
      el('td', { class: `state state-${p.state}` }, p.state),
      el('td', { class: p.health ? `health-${p.health}` : '' }, p.health ?? ''),
      el('td', { class: 'num pid' }, p.pid === 0 ? '' : String(p.pid)),
      el('td', { class: 'num' }, p.pid === 0 ? '' : formatUptime(p.uptime)),
      el('td', { class: 'num', title: byReason }, String(total)),
      el('td', { class: 'num' }, formatBytes(p.memory)),
      el('td', { class: 'num' }, p.cpu === null ? '' : `${p.cpu.toFixed(2)}s`),
      actions(p),
    );
    return row;
  });
  $('programs').tBodies[0].replaceChildren(...rows);
}

function renderTree(rows) {
  const lines = [];
  const lastAt = [];
  rows.forEach((row, i) => {
    let isLast = true;
    for (let j = i + 1; j < rows.length && rows[j].depth >= row.depth; j++) {
      if (rows[j].depth === row.depth) {
        isLast = false;
        break;
      }
    }
    lastAt[row.depth] = isLast;
    let prefix = '';
    for (let d = 1; d < row.depth; d++) prefix += lastAt[d] ? '   ' : '│  ';
    if (row.depth > 0) prefix += isLast ? '└─ ' : '├─ ';
    lines.push(`${prefix}${row.pid} ${row.state} ${formatBytes(row.rss).padStart(6)}  ${row.command}`);
  });
  return lines.join('\n') || '(not running)';
}

function renderDetails(overview) {
  const program = overview.programs.find((p) => p.namespec === selected);
  if (program === undefined) {
    $('details').hidden = true;
    return;
  }
  $('details').hidden = false;
  $('details-title').textContent = `${program.namespec} — ${program.state}${program.pid ? `, pid ${program.pid}` : ''}`;
  $('tree').textContent = renderTree(program.tree);
}

function renderJobs(overview) {
  const jobs = overview.jobs ?? [];
  $('jobs-section').hidden = jobs.length === 0;
  $('jobs').tBodies[0].replaceChildren(
    ...jobs.map((job) =>
      el(
        'tr',
        {},
        el('td', { class: 'num' }, job.id),
        el('td', {}, job.name ?? ''),
        el('td', { class: job.state === 'running' ? 'state-RUNNING' : 'state-STOPPED' }, job.state),
        el('td', { class: 'num' }, String(job.pid)),
        el('td', {}, new Date(job.started * 1000).toLocaleTimeString()),
        el('td', { class: 'num' }, job.exitCode === null ? (job.signal ?? '') : String(job.exitCode)),
        el('td', {}, job.argv.join(' ')),
      ),
    ),
  );
}

async function refresh() {
  try {
    const response = await fetch('/api/overview', { cache: 'no-store' });
    if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
    const overview = await response.json();
    lastOverview = overview;
    $('identity').textContent = `${overview.supd.identification} · pid ${overview.supd.pid} · ${overview.supd.state}`;
    renderPrograms(overview);
    renderDetails(overview);
    renderJobs(overview);
  } catch (error) {
    $('message').textContent = `cannot read supd's state: ${error.message}`;
  }
}

/** Coalesces the bursts of events a start or stop sends into one refresh. */
function scheduleRefresh(delay = 100) {
  if (refreshSoon !== null) return;
  refreshSoon = setTimeout(() => {
    refreshSoon = null;
    void refresh();
  }, delay);
}

function select(name) {
  if (selected === name) return;
  selected = name;
  tailSource?.close();
  $('tail').textContent = '';
  tailSource = new EventSource(`/api/tail/${encodeURIComponent(name)}`);
  tailSource.addEventListener('output', (event) => {
    const { text } = JSON.parse(event.data);
    const pre = $('tail');
    const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
    pre.textContent = (pre.textContent + text).slice(-MAX_TAIL_CHARS);
    if (atBottom) pre.scrollTop = pre.scrollHeight;
  });
  if (lastOverview !== null) {
    renderPrograms(lastOverview);
    renderDetails(lastOverview);
  }
}

function follow() {
  const events = new EventSource('/api/events');
  events.addEventListener('open', () => {
    $('live').textContent = 'live';
    $('live').className = 'live on';
    scheduleRefresh(0);
  });
  events.addEventListener('error', () => {
    $('live').textContent = 'reconnecting';
    $('live').className = 'live off';
  });
  events.addEventListener('supd', () => scheduleRefresh());
}

function startRefreshing() {
  if (refreshTimer === null && !document.hidden) refreshTimer = setInterval(() => void refresh(), REFRESH_MS);
}

document.addEventListener('visibilitychange', () => {
  if (document.hidden) {
    clearInterval(refreshTimer);
    refreshTimer = null;
  } else {
    void refresh();
    startRefreshing();
  }
});

void refresh().then(() => {
  const first = lastOverview?.programs.find((p) => p.pid !== 0);
  if (selected === null && first !== undefined) select(first.namespec);
});
follow();
startRefreshing();
