import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import type { RequestLogMode } from '../config/types.ts';

/** Routes polled by load balancers and scrapers: logged 1 in `probeSampleEvery`. */
const PROBE_ROUTES = new Set(['/health', '/ready', '/metrics']);

/** @default 100 */
const PROBE_SAMPLE_EVERY = 100;

/**
 * Fastify's per-request logging, replaced: at most one line per request (not an "incoming" and a
 * "completed" line), written for every request (`all`), for 4xx/5xx answers only (`errors`) or
 * never (`off`), and for probes only 1 in 100 of those, so a 1 s health check does not fill a
 * disk. The line names the route pattern and the path without its query string (queries may
 * carry tokens), never headers.
 */
export class AccessLog extends LogController {
  private probes = 0;

  constructor(
    private readonly mode: RequestLogMode,
    private readonly probeSampleEvery = PROBE_SAMPLE_EVERY,
  ) {
    super();
  }

  override incomingRequest(): void {}

  /** Our not-found handler answers 404; the access line (if any) says so. */
  override routeNotFound(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const status = reply.statusCode;
    if (error) {
      // The response stream itself failed: rare, and not something a status code shows.
      reply.log.warn({ ...fieldsOf(request, status), err: error.message }, 'response failed');
      return;
    }
    if (this.mode === 'off' || (this.mode === 'errors' && status < 400)) return;
    if (PROBE_ROUTES.has(request.routeOptions.url ?? '')) {
      this.probes += 1;
      if ((this.probes - 1) % this.probeSampleEvery !== 0) return;
    }
    reply.log.info(
      { ...fieldsOf(request, status), ms: Math.round(reply.elapsedTime * 10) / 10 },
      'request completed',
    );
  }
}

function fieldsOf(request: FastifyRequest, status: number) {
  const url = request.url;
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  return {
    method: request.method,
    route: request.routeOptions.url ?? null,
    path: path.length > 200 ? `${path.slice(0, 200)}…` : path,
    status,
  };
}
