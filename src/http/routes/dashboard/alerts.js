// The logged-in user's active price alerts (`GET /api/v1/cache/price-alerts`) and latest
// notifications (`GET /api/v1/users/me/notifications`). Alerts belong to users: with the admin
// token (typed into the page) there are none to ask for, so the page says so instead of asking;
// a 404 means a version without alerts: "not available".

(() => {
  const { onData, byId, authHeaders } = window.tcDashboard;
  const EVERY_MS = 30_000;
  const NOTIFICATIONS_SHOWN = 20;
  let last = 0;

  const item = (text) => {
    const li = document.createElement('li');
    li.textContent = text;
    return li;
  };

  /** An alert: `BTCUSDT above 70000 · active`; prices are the API's decimal strings, as sent. */
  const describeAlert = (a) => `${a.symbol} ${a.condition} ${a.targetPrice} · ${a.status}`;
  /** A notification: `BTCUSDT above 70000 reached at 70000.01 · <time>`. */
  const describeNotification = (n) =>
    `${n.symbol} ${n.condition} ${n.targetPrice} reached at ${n.price} · ${new Date(n.triggeredAt).toLocaleString()}`;

  /** One JSON answer: `{ body }`, `{ missing: true }` for a 404, or `{ error }`. */
  async function read(url) {
    const response = await fetch(url, { headers: { accept: 'application/json', ...authHeaders() } });
    if (response.status === 404) return { missing: true };
    const body = await response.json().catch(() => null);
    if (!response.ok || body === null) return { error: body?.error?.message ?? `HTTP ${response.status}` };
    return { body };
  }

  async function load() {
    const note = byId('alerts-note');
    if (authHeaders().authorization) {
      note.textContent =
        'Alerts belong to users: open the dashboard through a user login (the demo prints one) to see them.';
      byId('alerts-list').replaceChildren();
      return;
    }
    try {
      const [alerts, notifications] = await Promise.all([
        read('/api/v1/cache/price-alerts'),
        read(`/api/v1/users/me/notifications?limit=${NOTIFICATIONS_SHOWN}`),
      ]);
      if (alerts.missing) {
        note.textContent = 'Alerts and notifications: not available in this version.';
        byId('alerts-list').replaceChildren();
        return;
      }
      const failed = alerts.error ?? notifications.error;
      if (failed) {
        note.textContent = `Alerts unavailable: ${failed}`;
        return;
      }
      const active = alerts.body.alerts ?? [];
      const recent = notifications.body?.notifications ?? [];
      note.textContent = `${active.length} active alert(s), ${recent.length} recent notification(s)`;
      byId('alerts-list').replaceChildren(
        ...active.map((a) => item(`alert: ${describeAlert(a)}`)),
        ...recent.map((n) => item(`notification: ${describeNotification(n)}`)),
      );
    } catch (err) {
      note.textContent = `Alerts unavailable: ${err.message}`;
    }
  }

  onData(() => {
    if (Date.now() - last < EVERY_MS) return;
    last = Date.now();
    load();
  });
})();
