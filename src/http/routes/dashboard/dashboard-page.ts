import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chartsScriptPath } from './assets.ts';

export interface DashboardPage {
  /** The whole page, CSS and script inlined: nothing is fetched but the JSON API. */
  readonly html: string;
  /** Allows exactly the inlined style and script (by hash), and requests (and sockets) to this origin only. */
  readonly csp: string;
}

/**
 * Assembles page.html with page.css and page.js inlined, once at startup. Hashes rather than a
 * nonce: the page is the same for everyone, so it needs no per-request templating, and an
 * injected `<script>` (or an inline `on...=` handler) can never match the hash.
 */
export function loadDashboardPage(): DashboardPage {
  const read = (name: string) => readFileSync(new URL(name, import.meta.url), 'utf8');
  const style = read('./page.css');
  // format.js, then page.js: they define `window.tcFormat` and `window.tcDashboard`, used by the rest.
  const scripts = [
    'format.js',
    'page.js',
    'charts.js',
    'candle-feed.js',
    'candles.js',
    'alerts.js',
    'cluster.js',
  ].map((name) => ({ name, code: read(`./${name}`) }));
  let html = inline(read('./page.html'), '/* page.css */', style);
  html = inline(html, '<!-- charts library -->', `<script src="${chartsScriptPath()}"></script>`);
  for (const { name, code } of scripts) html = inline(html, `/* ${name} */`, code);
  const csp = [
    "default-src 'none'",
    // 'self' admits the chart library we serve (/dashboard/assets); our JSON answers carry
    // nosniff, so no same-origin answer can run as a script.
    `script-src 'self' ${scripts.map(({ code }) => `'${sha256(code)}'`).join(' ')}`,
    `style-src '${sha256(style)}'`,
    // CSP Level 3: 'self' also admits ws:/wss: to this same host and port, i.e. the candle
    // chart's /api/v1/ws socket and nothing else (a bare `ws:` would admit any host).
    "connect-src 'self'",
    // The empty data: favicon keeps browsers from asking for /favicon.ico.
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { html, csp };
}

/** Replaces the one `marker`; a function replacement, so `$&` in the code is not a pattern. */
function inline(template: string, marker: string, content: string): string {
  const at = template.indexOf(marker);
  if (at === -1 || template.indexOf(marker, at + 1) !== -1) {
    throw new Error(`dashboard page.html must contain ${marker} exactly once`);
  }
  return template.replace(marker, () => content);
}

function sha256(text: string): string {
  return `sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}`;
}
