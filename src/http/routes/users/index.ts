import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ErrorCodes, TradecacheError } from '../../../errors.ts';
import {
  ADMIN_TOKEN_PRINCIPAL,
  type UserPreferencesStore,
  userPreferencesSchema,
} from '../../../sessions/index.ts';
import { requireUser } from '../../plugins/auth.ts';

export interface UserRoutesOptions {
  preferences: UserPreferencesStore;
}

/** Response-cache prefix of the preferences GET; a PUT forgets the caller's entry under it. */
const PREFERENCES_CACHE = 'user_preferences';

/**
 * `GET/PUT /api/v1/users/me/preferences`: the caller's own preferences (PUT replaces them).
 * The GET is response-cached per user (keyed by the authenticated id, never by the token), so a
 * burst of dashboard reads costs one Redis read; the PUT drops that user's entry everywhere.
 */
export async function userRoutes(app: FastifyInstance, opts: UserRoutesOptions) {
  app.get(
    '/api/v1/users/me/preferences',
    {
      schema: { tags: ['users'], summary: 'My preferences' },
      preHandler: [app.authenticated],
      config: {
        responseCache: {
          ttlMs: 30_000,
          keyPrefix: PREFERENCES_CACHE,
          // Read after `authenticated`; the admin token has no preferences and is not cached.
          perUser: (request) =>
            request.user && request.user.userId !== ADMIN_TOKEN_PRINCIPAL ? request.user.userId : undefined,
        },
      },
    },
    async (request) => ({ preferences: await opts.preferences.getUserPreferences(me(request)) }),
  );

  app.put<{ Body: unknown }>(
    '/api/v1/users/me/preferences',
    {
      // ≤ 100 favourite symbols and a few settings fit in well under this.
      bodyLimit: 16 * 1024,
      schema: { tags: ['users'], summary: 'Replace my preferences', body: userPreferencesSchema },
      preHandler: [app.authenticated],
    },
    async (request) => {
      const userId = me(request);
      const preferences = await opts.preferences.setUserPreferences(userId, request.body);
      // After the write: a GET racing this PUT may still store the old answer, for one TTL at most.
      await app.responseCache?.invalidateUser(PREFERENCES_CACHE, userId);
      return { preferences };
    },
  );
}

/** The caller's user id; the operator's admin token is not a user and has no preferences. */
function me(request: FastifyRequest): string {
  const user = requireUser(request);
  if (user.userId === ADMIN_TOKEN_PRINCIPAL) {
    throw new TradecacheError(
      ErrorCodes.FORBIDDEN,
      'the admin token has no user preferences: log in as a user',
    );
  }
  return user.userId;
}
