// The dashboard's browser code, inlined into page.html at startup and allowed by its CSP hash.
// Every value from the API is written with textContent: nothing it returns is parsed as HTML.

(() => {
  const API = '/api/v1/dashboard';
  const REFRESH_MS = 5000;
  const TOKEN_KEY = 'tradecache.dashboard.token';

  const byId = (id) => document.getElementById(id);
  let timer;
  /** Renderers added by the chart and alert scripts; each gets every answer. */
  const renderers = [];

  // sessionStorage: the token dies with the tab, and is never written to disk or a cookie.
  const storedToken = () => {
    try {
      return sessionStorage.getItem(TOKEN_KEY);
    } catch {
      return null;
    }
  };
  const storeToken = (token) => {
    try {
      if (token) sessionStorage.setItem(TOKEN_KEY, token);
      else sessionStorage.removeItem(TOKEN_KEY);
    } catch {
      // Storage disabled: the token is then asked again on the next load.
    }
  };

  function showStatus(kind, text) {
    const status = byId('status');
    status.className = `status ${kind}`;
    status.textContent = text;
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(refresh, REFRESH_MS);
  }

  function askForToken(message) {
    clearTimeout(timer);
    showStatus('warn', message);
    byId('login').hidden = false;
    byId('forget').hidden = true;
    byId('content').hidden = true;
    byId('token').focus();
  }

  async function refresh() {
    clearTimeout(timer);
    if (document.hidden) return; // visibilitychange refreshes when the tab is shown again
    const token = storedToken();
    const headers = { accept: 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    let response;
    let body;
    try {
      response = await fetch(API, { headers, cache: 'no-store', credentials: 'same-origin' });
      body = await response.json().catch(() => null);
    } catch (err) {
      showStatus(
        'error',
        `Cannot reach the service (${err.message}). Retrying every ${REFRESH_MS / 1000} s.`,
      );
      schedule();
      return;
    }
    if (response.status === 401) {
      if (token) storeToken(null);
      askForToken(
        token
          ? 'That token was refused (unknown or expired). Enter the admin token.'
          : 'This dashboard shows operational data: enter the admin token to see it.',
      );
      return;
    }
    if (response.status === 403) {
      storeToken(null);
      askForToken('That token is valid but not an admin token. Enter the admin token.');
      return;
    }
    if (!response.ok || body === null) {
      const reason = body?.error?.message ?? response.statusText;
      showStatus('error', `The service answered ${response.status}: ${reason}. Retrying.`);
      schedule();
      return;
    }
    byId('login').hidden = true;
    byId('forget').hidden = !token;
    byId('content').hidden = false;
    render(body);
    schedule();
  }

  const { DASH, num, ratio, time, duration, until, fillTable, fillList } = window.tcFormat;

  const flagged = (n) => [num(n), `num${n > 0 ? ' bad' : ''}`];

  function render(d) {
    const { service, redis, cache, symbols, jobs } = d;
    byId('headline').textContent =
      `${service.version} · ${service.role} · up ${duration(service.uptimeSec * 1000)}`;
    byId('updated').textContent = `updated ${new Date(d.generatedAt).toLocaleTimeString()}`;

    fillList('service', [
      ['version', service.version],
      ['role', service.role],
      ['started', time(service.startedAt)],
      ['uptime', duration(service.uptimeSec * 1000)],
      ['node', service.node],
    ]);
    fillList('redis', [
      ['mode', `${redis.mode}${redis.tls ? ' (TLS)' : ''}`],
      ...(redis.masterName ? [['master', `${redis.masterName} at ${redis.master ?? 'reconnecting'}`]] : []),
      ['reachable', redis.reachable ? ['yes', 'good'] : ['no', 'bad']],
      ['latency', typeof redis.latencyMs === 'number' ? `${redis.latencyMs.toFixed(2)} ms` : DASH],
      ['connection', redis.status],
      ['failures', redis.failures > 0 ? [num(redis.failures), 'bad'] : '0'],
      ['last error', redis.lastError ? [`${redis.lastError} (${time(redis.lastErrorAt)})`, 'bad'] : DASH],
    ]);

    const symbolsError = byId('symbols-error');
    symbolsError.hidden = !symbols.error;
    symbolsError.textContent = symbols.error ? `Counters unavailable: ${symbols.error}` : '';
    fillTable(
      'symbols-table',
      symbols.markets.map((m) => ({
        key: m.market,
        cells: [
          m.market,
          [num(m.count), 'num count'],
          time(m.refreshedAt),
          duration(m.ageMs),
          [num(m.hits), 'num'],
          [num(m.misses), 'num'],
          [num(m.warmupSuccess), 'num'],
          flagged(m.warmupError),
          time(m.lastWarmupAt),
        ],
      })),
      'no markets',
      9,
    );

    const breaker = byId('breaker');
    breaker.textContent = cache.breaker;
    breaker.className = cache.breaker === 'closed' ? 'good' : 'bad';
    fillTable(
      'cache-table',
      cache.namespaces.map((ns) => ({
        key: ns.name,
        cells: [
          ns.name,
          [ratio(ns.hitRatio), 'num'],
          [num(ns.hitsL1), 'num'],
          [num(ns.hitsL2), 'num'],
          [num(ns.misses), 'num'],
          [num(ns.stale), 'num'],
          [num(ns.lastGood), 'num'],
          [num(ns.factoryCalls), 'num'],
          flagged(ns.factoryErrors + ns.l2Errors + ns.writeFailures + ns.decodeErrors),
        ],
      })),
      'no namespace used yet',
      9,
    );

    const note = byId('jobs-note');
    note.hidden = jobs.enabled && !jobs.error;
    note.className = jobs.error ? 'status error' : 'muted';
    note.textContent = jobs.error
      ? `Schedulers unavailable: ${jobs.error}`
      : jobs.enabled
        ? ''
        : 'This process has no job runtime.';
    fillTable(
      'jobs-table',
      jobs.schedulers.map((s) => ({
        key: s.id,
        cells: [
          s.declared ? s.id : `${s.id} (not declared)`,
          s.job,
          duration(s.everyMs),
          `${until(s.nextRunAt)} (${time(s.nextRunAt)})`,
          [num(s.iterations), 'num'],
        ],
      })),
      'no schedulers (they are created by `tradecache start` or `worker`)',
      5,
    );

    for (const draw of renderers) {
      try {
        draw(d);
      } catch (err) {
        console.warn('dashboard renderer failed', err);
      }
    }
    showHealth(d);
  }

  /** The banner: every warning of the health answer and of this page's own sections, or "All good". */
  function showHealth({ health, redis, cache, symbols, jobs }) {
    const problems = [...(health?.warnings ?? [])];
    if (!redis.reachable) problems.push('Redis unreachable');
    if (cache.breaker !== 'closed') problems.push(`cache breaker ${cache.breaker}`);
    if (symbols.error) problems.push('symbol counters unavailable');
    if (jobs.error) problems.push('job schedulers unavailable');
    for (const m of symbols.markets) {
      if (m.warmupError > 0) problems.push(`${m.market} warmup errors: ${num(m.warmupError)}`);
    }
    const items = problems.map((text) => {
      const li = document.createElement('li');
      li.textContent = text;
      return li;
    });
    byId('warnings').replaceChildren(...items);
    const status = health?.status ?? 'unknown';
    if (problems.length === 0 && status === 'healthy') {
      showStatus('ok', `All good. Refreshing every ${REFRESH_MS / 1000} s.`);
      return;
    }
    const count = problems.length === 1 ? '1 warning' : `${problems.length} warnings`;
    showStatus(status === 'unhealthy' ? 'error' : 'warn', `Health: ${status} — ${count}.`);
  }

  /** What the other dashboard scripts share with this one. */
  window.tcDashboard = {
    onData: (draw) => renderers.push(draw),
    byId,
    fillTable,
    num,
    authHeaders: () => {
      const token = storedToken();
      return token ? { authorization: `Bearer ${token}` } : {};
    },
  };

  // ---- wiring (no inline handlers: the CSP forbids them) ----------------------------------

  byId('login').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = byId('token');
    const token = input.value.trim();
    input.value = '';
    if (!token) return;
    storeToken(token);
    showStatus('', 'Loading…');
    refresh();
  });
  byId('forget').addEventListener('click', () => {
    storeToken(null);
    askForToken('Token forgotten. Enter the admin token to see the dashboard again.');
  });
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) refresh();
  });

  // The demo's login link carries the token in the fragment (never sent to a server, never logged):
  // keep it for this tab and drop it from the address bar and history.
  const fragment = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fragment) {
    storeToken(fragment);
    history.replaceState(null, '', location.pathname + location.search);
  }

  refresh();
})();
