import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCodes, TradecacheError } from '../../../errors.ts';
import { cookieValue, SESSION_COOKIE } from '../../plugins/auth.ts';
import { WorkSlots } from '../../work-slots.ts';

type Guard = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/**
 * Who may start expensive history work (an exchange fetch, a streamed answer, a backtest run)
 * and how much of it runs at once.
 */
export interface HeavyWorkAdmission {
  /**
   * Admits one expensive request, or throws: AUTH_INVALID for bad credentials, RATE_LIMITED
   * (429) past the anonymous budget, SERVER_BUSY (503) when every slot and place in line is
   * taken. Returns the slot's release (idempotent).
   */
  admit(request: FastifyRequest, reply: FastifyReply, signal: AbortSignal): Promise<() => void>;
}

export interface HeavyWorkAdmissionOptions {
  readonly slots: WorkSlots;
  /** Checks credentials when the request carries some (sets `request.user`; 401 when bad). */
  readonly authenticate?: Guard;
  /**
   * Charged once per expensive anonymous request (per address); `'signed-in-only'` refuses
   * anonymous callers outright. Absent: anonymous callers are not limited beyond the slots.
   */
  readonly anonymousBudget?: Guard | 'signed-in-only';
}

/**
 * Authenticated users pass on their credentials (their requests carry an identity the operator
 * can act on); anonymous callers spend a tight per-address budget, because every uncached range
 * they ask for spends the request weight shared by the whole platform. Everyone then waits for
 * one of the process's slots.
 */
export function heavyWorkAdmission(options: HeavyWorkAdmissionOptions): HeavyWorkAdmission {
  return {
    async admit(request, reply, signal) {
      if (options.authenticate && carriesCredentials(request)) {
        await options.authenticate(request, reply);
      } else if (options.anonymousBudget === 'signed-in-only') {
        reply.header('www-authenticate', 'Bearer');
        throw new TradecacheError(
          ErrorCodes.AUTH_REQUIRED,
          'sign in to fetch ranges that are not stored yet or to run backtests',
        );
      } else if (options.anonymousBudget) {
        await options.anonymousBudget(request, reply);
      }
      return options.slots.acquire(signal);
    },
  };
}

/** Default for apps that wire no auth (tests of the routes alone): slots only. */
export function slotsOnlyAdmission(slots = new WorkSlots(2, 4)): HeavyWorkAdmission {
  return heavyWorkAdmission({ slots });
}

/** A Bearer header or the session cookie; other cookies a browser sends do not count. */
function carriesCredentials(request: FastifyRequest): boolean {
  if (request.headers.authorization !== undefined) return true;
  const cookies = request.headers.cookie;
  return typeof cookies === 'string' && cookieValue(cookies, SESSION_COOKIE) !== undefined;
}
