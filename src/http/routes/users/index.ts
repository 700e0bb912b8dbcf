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

/** `GET/PUT /api/v1/users/me/preferences`: the caller's own preferences (PUT replaces them). */
export async function userRoutes(app: FastifyInstance, opts: UserRoutesOptions) {
  app.get(
    '/api/v1/users/me/preferences',
    { schema: { tags: ['users'], summary: 'My preferences' }, preHandler: [app.authenticated] },
    async (request) => ({ preferences: await opts.preferences.getUserPreferences(me(request)) }),
  );

  app.put<{ Body: unknown }>(
    '/api/v1/users/me/preferences',
    {
      schema: { tags: ['users'], summary: 'Replace my preferences', body: userPreferencesSchema },
      preHandler: [app.authenticated],
    },
    async (request) => ({
      preferences: await opts.preferences.setUserPreferences(me(request), request.body),
    }),
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
