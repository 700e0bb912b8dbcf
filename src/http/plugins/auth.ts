import cookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ErrorCodes, TradecacheError } from '../../errors.ts';
import type { AuthUser, SessionAuthenticator } from '../../sessions/index.ts';

/** Name of the HttpOnly cookie carrying the session token for browsers. */
export const SESSION_COOKIE = 'tc_session';

/** A preHandler usable in any route's `preHandler` array. */
export type AuthGuard = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
/** Picks the user id a route is about (usually a path param). */
export type OwnerPicker = (
  request: FastifyRequest<{ Params: Record<string, string | undefined> }>,
) => unknown;

declare module 'fastify' {
  interface FastifyInstance {
    authenticator: SessionAuthenticator;
    /** 401 unless a valid Bearer token or session cookie is present; sets `request.user`. */
    authenticated: AuthGuard;
    /** 401 without credentials, 403 unless the admin token or an admin user. */
    adminOnly: AuthGuard;
    /** 403 unless the caller is the user `pick(request)` names, or an admin. */
    ownerOf(pick: OwnerPicker): AuthGuard;
    /**
     * True when the request carries admin credentials; never throws and sets no header, for
     * public routes that show admins more (`/ready` details). Sets `request.user` when valid.
     */
    callerIsAdmin(request: FastifyRequest): Promise<boolean>;
  }
  interface FastifyRequest {
    /** Set by `app.authenticated` (and the guards that imply it); null before. */
    user: AuthUser | null;
  }
}

export interface AuthPluginOptions {
  authenticator: SessionAuthenticator;
}

/**
 * Authentication for every route with one-line declarations:
 * `{ preHandler: [app.authenticated, app.ownerOf((r) => r.params.userId)] }`.
 * Tokens come from `Authorization: Bearer <token>` or the session cookie; nothing about a
 * token is ever logged or echoed.
 */
export const authPlugin = fp(
  async (app: FastifyInstance, opts: AuthPluginOptions) => {
    // `hook: false`: no cookie parsing on every request (nearly all of them carry a Bearer
    // header); `tokenOf` reads the one cookie it needs, and only when there is no header.
    // Routes still set cookies (login, logout); `request.cookies` stays null.
    if (!app.hasDecorator('parseCookie')) await app.register(cookie, { hook: false });
    app.decorate('authenticator', opts.authenticator);
    app.decorateRequest('user', null);

    const authenticated: AuthGuard = async (request, reply) => {
      if (request.user) return;
      const token = tokenOf(request);
      if (token === null) {
        reply.header('www-authenticate', 'Bearer');
        throw new TradecacheError(ErrorCodes.AUTH_REQUIRED, 'authentication required');
      }
      const user = token === '' ? null : await opts.authenticator.authenticate(token);
      if (!user) {
        reply.header('www-authenticate', 'Bearer error="invalid_token"');
        throw new TradecacheError(ErrorCodes.AUTH_INVALID, 'invalid or expired credentials');
      }
      request.user = user;
    };

    const adminOnly: AuthGuard = async (request, reply) => {
      await authenticated(request, reply);
      if (!request.user?.isAdmin) throw new TradecacheError(ErrorCodes.FORBIDDEN, 'admin rights required');
    };

    const ownerOf = (pick: OwnerPicker): AuthGuard => {
      return async (request, reply) => {
        await authenticated(request, reply);
        const user = request.user;
        const owner = pick(request as FastifyRequest<{ Params: Record<string, string | undefined> }>);
        if (user?.isAdmin || (typeof owner === 'string' && owner === user?.userId)) return;
        throw new TradecacheError(ErrorCodes.FORBIDDEN, 'not allowed to access another user');
      };
    };

    const callerIsAdmin = async (request: FastifyRequest): Promise<boolean> => {
      if (request.user) return request.user.isAdmin;
      const token = tokenOf(request);
      if (!token) return false;
      const user = await opts.authenticator.authenticate(token).catch(() => null);
      if (user) request.user = user;
      return user?.isAdmin === true;
    };

    app.decorate('authenticated', authenticated);
    app.decorate('callerIsAdmin', callerIsAdmin);
    app.decorate('adminOnly', adminOnly);
    app.decorate('ownerOf', ownerOf);
  },
  { name: 'tradecache-auth', fastify: '5.x' },
);

/** The request's user; throws AUTH_REQUIRED when a route forgot `app.authenticated`. */
export function requireUser(request: FastifyRequest): AuthUser {
  if (!request.user) throw new TradecacheError(ErrorCodes.AUTH_REQUIRED, 'authentication required');
  return request.user;
}

/** Bearer token, else cookie; null when neither is present, '' when the header is malformed. */
export function tokenOf(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header === 'string' && header.length > 0) {
    const match = /^Bearer +([^\s]{1,512})$/i.exec(header.trim());
    return match?.[1] ?? '';
  }
  const cookies = request.headers.cookie;
  const fromCookie = typeof cookies === 'string' ? cookieValue(cookies, SESSION_COOKIE) : undefined;
  return fromCookie !== undefined && fromCookie.length > 0 ? fromCookie : null;
}

/**
 * The first `name` cookie of a Cookie header, read the way the `cookie` package parses a whole
 * header (pairs split on `;`, spaces and tabs trimmed, %-escapes decoded) without building an
 * object of every other cookie the browser sends along.
 */
export function cookieValue(header: string, name: string): string | undefined {
  const length = header.length;
  let start = 0;
  while (start < length) {
    const eq = header.indexOf('=', start);
    if (eq === -1) return undefined;
    let end = header.indexOf(';', start);
    if (end === -1) end = length;
    if (eq < end && trimmed(header, start, eq) === name) {
      const value = trimmed(header, eq + 1, end);
      if (!value.includes('%')) return value;
      try {
        return decodeURIComponent(value);
      } catch {
        return value;
      }
    }
    start = end + 1;
  }
  return undefined;
}

function trimmed(text: string, from: number, to: number): string {
  let start = from;
  let end = to;
  while (start < end && (text.charCodeAt(start) === 32 || text.charCodeAt(start) === 9)) start++;
  while (end > start && (text.charCodeAt(end - 1) === 32 || text.charCodeAt(end - 1) === 9)) end--;
  return text.slice(start, end);
}
