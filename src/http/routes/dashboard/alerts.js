// The logged-in user's price alerts and notifications (`GET /api/v1/cache/price-alerts`). Alerts
// belong to users: with the admin token (typed into the page) there are none to ask for, so the
// page says so instead of asking; a 404 means a version without alerts: "not available".

(() => {
  const { onData, byId, authHeaders } = window.tcDashboard;
  const EVERY_MS = 30_000;
  let last = 0;

  const item = (text) => {
    const li = document.createElement('li');
    li.textContent = text;
    return li;
  };

  /** One line per alert or notification, whatever its shape: the fields we know, as text. */
  function describe(entry) {
    if (typeof entry !== 'object' || entry === null) return String(entry);
    const parts = ['symbol', 'condition', 'direction', 'price', 'targetPrice', 'status', 'message']
      .filter((field) => entry[field] !== undefined && entry[field] !== null)
      .map((field) => String(entry[field]));
    return parts.length > 0 ? parts.join(' · ') : JSON.stringify(entry);
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
      const response = await fetch('/api/v1/cache/price-alerts', {
        headers: { accept: 'application/json', ...authHeaders() },
      });
      if (response.status === 404) {
        note.textContent = 'Alerts and notifications: not available in this version.';
        byId('alerts-list').replaceChildren();
        return;
      }
      const body = await response.json().catch(() => null);
      if (!response.ok || body === null) {
        note.textContent = `Alerts unavailable: ${body?.error?.message ?? `HTTP ${response.status}`}`;
        return;
      }
      const alerts = Array.isArray(body) ? body : (body.alerts ?? []);
      const notifications = Array.isArray(body.notifications) ? body.notifications : [];
      note.textContent = `${alerts.length} alert(s), ${notifications.length} notification(s)`;
      byId('alerts-list').replaceChildren(
        ...alerts.map((a) => item(`alert: ${describe(a)}`)),
        ...notifications.map((n) => item(`notification: ${describe(n)}`)),
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
