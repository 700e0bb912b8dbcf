// Formatting and table helpers of the dashboard, inlined first and allowed by their CSP hash.
// Every value is written with textContent: nothing from the API is parsed as HTML.

(() => {
  const DASH = '—';
  const byId = (id) => document.getElementById(id);

  // ---- formatting -------------------------------------------------------------------------

  const num = (n) => (typeof n === 'number' ? n.toLocaleString('en-US') : DASH);
  const ratio = (r) => (typeof r === 'number' ? `${(r * 100).toFixed(1)} %` : DASH);
  const time = (iso) => (iso ? new Date(iso).toLocaleString() : DASH);

  function duration(ms) {
    if (typeof ms !== 'number') return DASH;
    const s = Math.round(ms / 1000);
    if (s < 120) return `${s} s`;
    if (s < 7200) return `${Math.round(s / 60)} min`;
    if (s < 172800) return `${Math.round(s / 3600)} h`;
    return `${Math.round(s / 86400)} d`;
  }

  function until(iso) {
    if (!iso) return DASH;
    const ms = new Date(iso).getTime() - Date.now();
    return ms >= 0 ? `in ${duration(ms)}` : `${duration(-ms)} late`;
  }

  // ---- rendering (textContent only) -------------------------------------------------------

  /** A cell: `[text, className]` or plain text. */
  function cell(spec) {
    const td = document.createElement('td');
    const [text, className] = Array.isArray(spec) ? spec : [spec, ''];
    td.textContent = String(text);
    if (className) td.className = className;
    return td;
  }

  function fillTable(id, rows, emptyText, columnCount) {
    const tbody = byId(id).tBodies[0];
    if (rows.length === 0) {
      const td = cell([emptyText, 'muted']);
      td.colSpan = columnCount;
      const tr = document.createElement('tr');
      tr.append(td);
      tbody.replaceChildren(tr);
      return;
    }
    tbody.replaceChildren(
      ...rows.map(({ key, cells }) => {
        const tr = document.createElement('tr');
        tr.dataset.key = key;
        tr.append(...cells.map(cell));
        return tr;
      }),
    );
  }

  function fillList(id, pairs) {
    const items = [];
    for (const [label, spec] of pairs) {
      const dt = document.createElement('dt');
      dt.textContent = label;
      const dd = document.createElement('dd');
      const [text, className] = Array.isArray(spec) ? spec : [spec, ''];
      dd.textContent = String(text);
      if (className) dd.className = className;
      items.push(dt, dd);
    }
    byId(id).replaceChildren(...items);
  }

  window.tcFormat = { DASH, num, ratio, time, duration, until, cell, fillTable, fillList };
})();
