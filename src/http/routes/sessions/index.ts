import type { FastifyInstance } from 'fastify';
import { USER_ID_PATTERN, type UserSessionCache } from '../../../sessions/index.ts';

export interface SessionRoutesOptions {
  sessions: UserSessionCache;
}

const params = {
  type: 'object',
  required: ['userId'],
  properties: { userId: { type: 'string', pattern: USER_ID_PATTERN.source } },
} as const;

/**
 * `GET /api/v1/cache/sessions/:userId` lists a user's live sessions; `DELETE` ends them all
 * ("log out everywhere"). Owner or admin only. Session ids are shown: they are not credentials
 * (a token also needs the server's MAC).
 */
export async function sessionRoutes(app: FastifyInstance, opts: SessionRoutesOptions) {
  const guards = [app.authenticated, app.ownerOf((request) => request.params.userId)];

  app.get<{ Params: { userId: string } }>(
    '/api/v1/cache/sessions/:userId',
    { schema: { tags: ['sessions'], summary: "A user's live sessions", params }, preHandler: guards },
    async (request) => {
      const sessions = await opts.sessions.listUserSessions(request.params.userId);
      return {
        userId: request.params.userId,
        count: sessions.length,
        sessions: sessions.map((s) => ({
          sessionId: s.sessionId,
          createdAt: new Date(s.createdAt).toISOString(),
          lastActivityAt: new Date(s.lastActivityAt).toISOString(),
          expiresAt: new Date(s.expiresAt).toISOString(),
          ip: typeof s.data.ip === 'string' ? s.data.ip : null,
          userAgent: typeof s.data.userAgent === 'string' ? s.data.userAgent : null,
        })),
      };
    },
  );

  app.delete<{ Params: { userId: string } }>(
    '/api/v1/cache/sessions/:userId',
    { schema: { tags: ['sessions'], summary: 'End every session of a user', params }, preHandler: guards },
    async (request) => ({
      userId: request.params.userId,
      deleted: await opts.sessions.deleteAllUserSessions(request.params.userId),
    }),
  );
}
