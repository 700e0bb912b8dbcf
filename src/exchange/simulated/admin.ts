/**
 * The simulator's own control endpoints under `/__sim/`, so tests that drive a separate
 * process (or a browser) can inject faults and read request counts over HTTP:
 *
 *   POST   /__sim/faults   body: a FaultSpec as JSON   → { faults: [...] }
 *   DELETE /__sim/faults                               → { faults: [] }
 *   GET    /__sim/faults                               → { faults: [...] }
 *   GET    /__sim/stats                                → { total, paths: { [path]: count }, usedWeight }
 *   DELETE /__sim/stats                                → resets the counts
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorMessage } from '../../errors.ts';
import { type FaultTable, validateFault } from './faults.ts';
import { sendJson } from './respond.ts';

const MAX_BODY_BYTES = 64 * 1024;

/** What the admin endpoints can see and change. */
export interface AdminState {
  readonly faults: FaultTable;
  stats(): { total: number; paths: Record<string, number>; usedWeight: Record<string, number> };
  resetCounts(): void;
}

/** Answers a `/__sim/...` request. */
export async function handleAdmin(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  state: AdminState,
) {
  const method = req.method ?? 'GET';
  if (path === '/__sim/faults') {
    if (method === 'GET') return sendJson(res, 200, { faults: state.faults.list() });
    if (method === 'DELETE') {
      state.faults.clear();
      return sendJson(res, 200, { faults: [] });
    }
    if (method === 'POST') {
      try {
        state.faults.set(validateFault(JSON.parse(await readBody(req))));
      } catch (err) {
        return sendJson(res, 400, { code: -1130, msg: errorMessage(err) });
      }
      return sendJson(res, 200, { faults: state.faults.list() });
    }
  }
  if (path === '/__sim/stats') {
    if (method === 'GET') return sendJson(res, 200, state.stats());
    if (method === 'DELETE') {
      state.resetCounts();
      return sendJson(res, 200, state.stats());
    }
  }
  return sendJson(res, 404, { code: -1, msg: `No simulator endpoint ${method} ${path}` });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new Error('Fault body too large');
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}
