import type { AppContext } from '../app.ts';
import { isTradecacheError } from '../errors.ts';
import { LOGIN_LINK_TTL_MS, loginLinksFor } from '../http/routes/dashboard/login-links.ts';

/** The admin user the demo signs in as. */
export const DEMO_ADMIN = 'demo-admin';

/**
 * A one-time dashboard login link for `tradecache demo`: (re)creates the `demo-admin` user with
 * a fresh API key (never shown), opens a session for it and returns `<base>/dashboard/login?code=…`.
 * The code works once, for 10 minutes; the session it opens lasts SESSION_TTL.
 */
export async function demoLoginLink(ctx: Pick<AppContext, 'sessions'>, baseUrl: string): Promise<string> {
  const { users, authenticator } = ctx.sessions;
  let apiKey: string;
  try {
    apiKey = await users.addUser(DEMO_ADMIN, { admin: true });
  } catch (err) {
    if (!isTradecacheError(err) || err.code !== 'CONFLICT') throw err;
    // A previous demo left it: a new key (revoking the old one ends its sessions too).
    await users.revokeUser(DEMO_ADMIN);
    apiKey = await users.addUser(DEMO_ADMIN, { admin: true });
  }
  const login = await authenticator.login(DEMO_ADMIN, apiKey, {
    ip: '127.0.0.1',
    userAgent: 'tradecache demo',
  });
  if (!login) throw new Error('the demo admin could not log in');
  const code = loginLinksFor(ctx.sessions).issue(login.token);
  return `${baseUrl}/dashboard/login?code=${code}`;
}

/** The lines `tradecache demo` prints around the link. */
export function demoLoginMessage(link: string): string {
  const minutes = Math.round(LOGIN_LINK_TTL_MS / 60_000);
  return [
    '',
    `Dashboard (one-time admin login link, valid ${minutes} min, single use):`,
    `  ${link}`,
    '',
  ].join('\n');
}
