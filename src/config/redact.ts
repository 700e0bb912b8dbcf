/**
 * Secret scrubbing. Every log line, error message and API response that could carry a Redis
 * URL or a password goes through here, so a secret never leaves the process in clear.
 */
const MASK = '***';

/** `redis://user:pass@host` → `redis://user:***@host`. Leaves strings without credentials alone. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.password) return url;
    parsed.password = MASK;
    return parsed.toString();
  } catch {
    return redactUrlsIn(url);
  }
}

const URL_CREDENTIALS = /\b(rediss?|redis\+sentinel|https?):\/\/([^:/@\s]*):([^@\s]+)@/gi;

/** Masks credentials of any URL embedded in free text. */
export function redactUrlsIn(text: string): string {
  return text.replace(URL_CREDENTIALS, (_m, scheme: string, user: string) => `${scheme}://${user}:${MASK}@`);
}

/**
 * Holds the secrets known to this process (configured or generated passwords, tokens) and
 * removes them from any text. Shared by the logger and the error handler.
 */
export class SecretScrubber {
  private readonly secrets = new Set<string>();

  add(secret: string | null | undefined): void {
    // Very short values would mask ordinary words; real secrets are long.
    if (secret && secret.length >= 4) this.secrets.add(secret);
  }

  scrub(text: string): string {
    let out = redactUrlsIn(text);
    for (const secret of this.secrets) {
      if (out.includes(secret)) out = out.split(secret).join(MASK);
      const encoded = encodeURIComponent(secret);
      if (encoded !== secret && out.includes(encoded)) out = out.split(encoded).join(MASK);
    }
    return out;
  }
}
