import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

export interface DashboardPage {
  /** The whole page, CSS and script inlined: nothing is fetched but the JSON API. */
  readonly html: string;
  /** Allows exactly the inlined style and script (by hash), and requests to this origin only. */
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
  const script = read('./page.js');
  const html = inline(inline(read('./page.html'), '/* page.css */', style), '/* page.js */', script);
  const csp = [
    "default-src 'none'",
    `script-src '${sha256(script)}'`,
    `style-src '${sha256(style)}'`,
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
