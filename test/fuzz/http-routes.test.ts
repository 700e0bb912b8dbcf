/**
 * Fuzz of every route of `/openapi.json` against the real service (real Fastify, real Redis,
 * simulated exchange): hostile path parameters, queries, headers and bodies. No answer is a 5xx,
 * every refusal is our `{ error: { code, message } }` JSON, the process survives, and afterwards
 * every Redis key has a shape the key registry can build and every file is one the history store
 * names itself. Seeded: FUZZ_SEED reproduces a run, FUZZ_RUNS scales it.
 */
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../helpers/raw-http.ts';
import {
  allKeys,
  errorShapeProblem,
  FUZZ_SCALE,
  FUZZ_SEED,
  type FuzzTarget,
  filesUnder,
  startFuzzTarget,
} from './fuzz-setup.ts';
import { FORBIDDEN_IN_KEYS, keyShapes, unshapedEntries } from './key-shapes.ts';
import {
  bodyFor,
  encodePathValue,
  hostileString,
  type JsonSchema,
  type OpenApiOperation,
  type OpenApiParameter,
  validish,
  valueFor,
} from './request-arbitraries.ts';

let target: FuzzTarget;
let operations: OpenApiOperation[];
let filesBefore: string[];
let casesRun = 0;
/** `METHOD url` → status class → count, printed after the run to show how deep inputs reached. */
const statusTally = new Map<string, Record<string, number>>();

function tally(route: string, status: number) {
  const row = statusTally.get(route) ?? {};
  const cls = String(status);
  row[cls] = (row[cls] ?? 0) + 1;
  statusTally.set(route, row);
}

beforeAll(async () => {
  target = await startFuzzTarget();
  const doc = (await target.app.http.inject({ method: 'GET', url: '/openapi.json' })).json() as {
    paths: Record<
      string,
      Record<
        string,
        {
          parameters?: OpenApiParameter[];
          requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
        }
      >
    >;
  };
  operations = Object.entries(doc.paths).flatMap(([url, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      method: method.toUpperCase(),
      url,
      parameters: op.parameters ?? [],
      bodySchema: op.requestBody?.content?.['application/json']?.schema ?? null,
    })),
  );
  filesBefore = await filesUnder(target.dataDir);
  console.log(`fuzz seed ${FUZZ_SEED} (FUZZ_SEED=${FUZZ_SEED} reproduces this run)`);
});
afterAll(async () => {
  await target?.close();
});

interface FuzzRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly payload: string | Buffer | undefined;
  readonly remoteAddress: string;
}

const OTHER_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'] as const;

function credentials(): fc.Arbitrary<Record<string, string>> {
  const user = target.userToken;
  const admin = target.adminToken;
  return fc.oneof(
    fc.constant({}),
    fc.constant({ authorization: `Bearer ${user}` }),
    fc.constant({ authorization: `Bearer ${admin}` }),
    fc.constant({ cookie: `tc_session=${user}` }),
    fc.constant({ cookie: `other=1; tc_session=${encodeURIComponent(admin)}; tc_session=x` }),
    fc.constantFrom<Record<string, string>>(
      { authorization: 'Bearer' },
      { authorization: 'Bearer ' },
      { authorization: `Bearer ${user.slice(0, -2)}xx` },
      { authorization: `Bearer ${user} extra` },
      { authorization: `bearer ${'A'.repeat(600)}` },
      { authorization: 'Basic dXNlcjpwYXNz' },
      { authorization: `Bearer ${admin}`, cookie: 'tc_session=garbage' },
      { cookie: 'tc_session=' },
      { cookie: 'tc_session=%ZZ%' },
      { cookie: `tc_session="${user}"` },
      { cookie: ';;;=;=' },
    ),
    hostileString.map((s) => ({ authorization: `Bearer ${s.replace(/[^\t -~]/g, '?')}`.slice(0, 8000) })),
  );
}

/** Extra headers: content negotiation, forwarding, oddities. */
const extraHeaders: fc.Arbitrary<Record<string, string>> = fc.dictionary(
  fc.constantFrom(
    'accept',
    'x-forwarded-for',
    'x-request-id',
    'if-none-match',
    'accept-encoding',
    'origin',
    'range',
  ),
  fc.oneof(
    fc.constantFrom('text/csv', '*/*', 'application/json', 'gzip, br', '1.2.3.4, ::1', '"x"', 'bytes=0-1'),
    hostileString.map((s) => s.replace(/[^\t -~]/g, '?').slice(0, 2000)),
  ),
  { maxKeys: 3 },
);

function pathFor(op: OpenApiOperation): fc.Arbitrary<string> {
  const params = op.parameters.filter((p) => p.in === 'path');
  return fc
    .tuple(
      fc.tuple(
        ...params.map((p) =>
          fc.oneof(
            { weight: 2, arbitrary: validish(p.schema, 0, p.name).map(String) },
            { weight: 1, arbitrary: hostileString },
          ),
        ),
      ),
      fc.boolean(),
    )
    .map(([values, raw]) => {
      let url = op.url;
      params.forEach((p, i) => {
        url = url.replace(`{${p.name}}`, encodePathValue(String(values[i]), raw));
      });
      return url;
    });
}

function queryFor(op: OpenApiOperation): fc.Arbitrary<string> {
  const names = op.parameters.filter((p) => p.in === 'query');
  const hostile = fc.tuple(
    ...names.map((p) =>
      fc.option(valueFor(p.schema, p.name), { nil: undefined, freq: 3 }).map((v) => [p.name, v] as const),
    ),
  );
  // Every parameter realistic: the request gets past validation into the services.
  const realistic = fc.tuple(
    ...names.map((p) => validish(p.schema, 0, p.name).map((v) => [p.name, v] as const)),
  );
  const known = fc.oneof(hostile, realistic);
  const extra = fc.array(
    fc.tuple(fc.constantFrom('x', '__proto__', 'limit', 'market', '[]', 'a[b]'), hostileString),
    {
      maxLength: 2,
    },
  );
  return fc.tuple(known, extra).map(([pairs, more]) => {
    const parts: string[] = [];
    for (const [name, value] of [...pairs, ...more]) {
      if (value === undefined) continue;
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      parts.push(`${encodeURIComponent(name)}=${encodePathValue(text ?? '', false)}`);
    }
    return parts.length === 0 ? '' : `?${parts.join('&')}`;
  });
}

function requestFor(op: OpenApiOperation): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      method: fc.oneof(
        { weight: 9, arbitrary: fc.constant(op.method) },
        { weight: 1, arbitrary: fc.constantFrom(...OTHER_METHODS) },
      ),
      path: pathFor(op),
      query: queryFor(op),
      auth: credentials(),
      extra: extraHeaders,
      body: bodyFor(op.bodySchema),
      address: fc.integer({ min: 1, max: 250 }),
    })
    .map(({ method, path, query, auth, extra, body, address }) => {
      const headers: Record<string, string> = { ...extra, ...auth };
      if (body.contentType !== undefined) headers['content-type'] = body.contentType;
      const withBody = method !== 'GET' && method !== 'HEAD';
      return {
        method,
        url: path + query,
        headers,
        payload: withBody ? body.payload : undefined,
        remoteAddress: `10.9.0.${address}`,
      };
    });
}

/** The properties every answer has; a string saying what is wrong, or null. */
function answerProblem(
  method: string,
  status: number,
  contentType: string | undefined,
  body: string,
): string | null {
  if (status >= 500) return `status ${status}: ${body.slice(0, 300)}`;
  if (status >= 400 && method !== 'HEAD') {
    const problem = errorShapeProblem(contentType, body);
    if (problem) return `status ${status}, ${problem}: ${body.slice(0, 300)}`;
  }
  return null;
}

describe('fuzz: every route of /openapi.json', () => {
  it('covers every route the document lists', () => {
    expect(operations.length).toBeGreaterThanOrEqual(25);
  });

  it(
    'answers 10,000 hostile requests without a 5xx, each refusal in our JSON error shape',
    async () => {
      const runsPerRoute = Math.ceil((10_000 * FUZZ_SCALE) / operations.length);
      for (const op of operations) {
        // The previous route may have logged the user out or deleted its sessions.
        await target.refreshUserToken();
        await fc.assert(
          fc.asyncProperty(requestFor(op), async (req) => {
            casesRun += 1;
            const res = await target.app.http.inject({
              method: req.method as 'GET',
              url: req.url,
              headers: req.headers,
              ...(req.payload === undefined ? {} : { payload: req.payload }),
              remoteAddress: req.remoteAddress,
            });
            tally(`${op.method} ${op.url}`, res.statusCode);
            const problem = answerProblem(
              req.method,
              res.statusCode,
              res.headers['content-type'] as string,
              res.body,
            );
            if (problem) throw new Error(`${req.method} ${req.url.slice(0, 200)}: ${problem}`);
          }),
          { seed: FUZZ_SEED, numRuns: runsPerRoute, endOnFailure: true },
        );
      }
      console.log(
        [...statusTally].map(([route, row]) => `${route.padEnd(48)} ${JSON.stringify(row)}`).join('\n'),
      );
      expect(casesRun).toBeGreaterThanOrEqual(10_000 * FUZZ_SCALE);
    },
    120_000 * FUZZ_SCALE,
  );

  it('answers hostile requests over a real socket the same way', async () => {
    await target.app.http.listen({ host: '127.0.0.1', port: 0 });
    const port = (target.app.http.server.address() as AddressInfo).port;
    const request = fc.constantFrom(...operations).chain((op) => requestFor(op));
    await fc.assert(
      fc.asyncProperty(request, async (req) => {
        const payload = req.payload === undefined ? Buffer.alloc(0) : Buffer.from(req.payload);
        if (payload.length > 100_000) return; // huge bodies go through inject above
        const head = [
          `${req.method} ${req.url} HTTP/1.1`,
          'Host: localhost',
          'Connection: close',
          ...Object.entries(req.headers).map(([k, v]) => `${k}: ${v}`),
          ...(payload.length > 0 ? [`Content-Length: ${payload.length}`] : []),
        ].join('\r\n');
        const answer = await rawRequest(
          port,
          Buffer.concat([Buffer.from(`${head}\r\n\r\n`, 'latin1'), payload]),
        );
        if (answer.status === null) throw new Error(`${req.method} ${req.url.slice(0, 200)}: no answer`);
        const problem = answerProblem(req.method, answer.status, answer.headers['content-type'], answer.body);
        if (problem) throw new Error(`${req.method} ${req.url.slice(0, 200)}: ${problem}`);
      }),
      { seed: FUZZ_SEED, numRuns: Math.ceil(150 * FUZZ_SCALE), endOnFailure: true },
    );
  });

  it('is still healthy afterwards', async () => {
    const res = await target.app.http.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
  });

  it('left only keys the key registry builds: no user input in a key unchecked', async () => {
    expect(unshapedEntries(target.app.ctx.keys)).toEqual([]);
    const shapes = keyShapes(target.app.ctx.keys.prefix, ['jobs']);
    const keys = await allKeys(target);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.filter((k) => !shapes.test(k))).toEqual([]);
    expect(keys.filter((k) => FORBIDDEN_IN_KEYS.test(k))).toEqual([]);
  });

  it('left only files the history store names itself: no user input in a file path', async () => {
    const created = (await filesUnder(target.dataDir)).filter((f) => !filesBefore.includes(f));
    const legal = /^history\/(corrupt\/)?[0-9a-f]{32}(\.\d+)?(\.csv|_meta\.json)$/;
    expect(created.filter((f) => !legal.test(f))).toEqual([]);
  });
});
