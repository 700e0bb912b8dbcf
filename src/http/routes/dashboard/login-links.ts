import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { ErrorCodes, TradecacheError } from '../../../errors.ts';
import { SESSION_COOKIE } from '../../plugins/auth.ts';

/** How long a printed login link can be used (once). */
export const LOGIN_LINK_TTL_MS = 10 * 60_000;

/**
 * One-time login codes of this process: each stands for a session token and works once, within
 * `LOGIN_LINK_TTL_MS`. Only a digest of the code is kept, so a heap dump does not hold a usable
 * link; the session itself lives and expires in Redis like any login's (SESSION_TTL).
 */
export class OneTimeLogins {
  private readonly pending = new Map<string, { token: string; expiresAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A new code for `sessionToken`. */
  issue(sessionToken: string): string {
    this.sweep();
    const code = randomBytes(24).toString('base64url');
    this.pending.set(digest(code), { token: sessionToken, expiresAt: this.now() + LOGIN_LINK_TTL_MS });
    return code;
  }

  /** The session token behind `code`, once; null when unknown, used or expired. */
  redeem(code: string): string | null {
    const key = digest(code);
    const entry = this.pending.get(key);
    this.pending.delete(key);
    if (!entry || entry.expiresAt <= this.now()) return null;
    return entry.token;
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.pending) if (entry.expiresAt <= now) this.pending.delete(key);
  }
}

function digest(code: string): string {
  return createHash('sha256').update(code).digest('hex');
}

// Shared by the HTTP routes and `tradecache demo` of one app without widening the app context:
// both reach the same sessions object.
const byOwner = new WeakMap<object, OneTimeLogins>();

/** The login codes of the app that owns `owner` (its sessions services). */
export function loginLinksFor(owner: object): OneTimeLogins {
  let links = byOwner.get(owner);
  if (!links) {
    links = new OneTimeLogins();
    byOwner.set(owner, links);
  }
  return links;
}

const loginQuerySchema = {
  type: 'object',
  properties: { code: { type: 'string', pattern: '^[A-Za-z0-9_-]{16,64}$' } },
  required: ['code'],
} as const;

/**
 * `GET /dashboard/login?code=…`: trades a one-time code (printed by `tradecache demo`) for the
 * HttpOnly session cookie, then redirects to the dashboard. A used or expired code is refused.
 */
export async function loginLinkRoutes(app: FastifyInstance, opts: { links: OneTimeLogins }) {
  app.get<{ Querystring: { code: string } }>(
    '/dashboard/login',
    {
      schema: {
        tags: ['ops'],
        summary:
          'Exchange a one-time dashboard login code (printed by `tradecache demo`) for a session cookie',
        querystring: loginQuerySchema,
        response: { 303: { type: 'null', description: 'to /dashboard, with the session cookie' } },
      },
    },
    async (request, reply) => {
      const token = opts.links.redeem(request.query.code);
      if (!token) {
        throw new TradecacheError(
          ErrorCodes.AUTH_INVALID,
          'this login link was already used or has expired; restart the demo for a new one',
        );
      }
      reply.setCookie(SESSION_COOKIE, token, {
        httpOnly: true,
        // Strict as at login: the page's own fetches are same-site, so they carry it.
        sameSite: 'strict',
        secure: request.protocol === 'https',
        path: '/',
      });
      return reply
        .header('cache-control', 'no-store')
        .header('referrer-policy', 'no-referrer')
        .redirect('/dashboard', 303);
    },
  );
}
