import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { type RawAnswer, rawRequest } from '../helpers/raw-http.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis.ts';
import { waitFor } from '../helpers/wait.ts';

const MAX_CONNECTIONS = 6;
let redis: TestRedis;
let app: TestApp;
let port: number;

beforeAll(async () => {
  redis = await startTestRedis();
  app = await startTestApp({
    REDIS_URL: redis.url,
    EXCHANGE: 'simulated',
    // Short, so the tests wait little; the 5 s deadline of rawRequest only stops a hung test.
    HTTP_REQUEST_TIMEOUT_MS: '600',
    HTTP_MAX_CONNECTIONS: String(MAX_CONNECTIONS),
  });
  await app.http.listen({ host: '127.0.0.1', port: 0 });
  port = (app.http.server.address() as AddressInfo).port;
});
afterAll(async () => {
  await app.close();
  await redis.destroy();
});

/** Our one error shape, exactly: `{ error: { code, message } }`, JSON, nothing else. */
function expectErrorShape(answer: RawAnswer, status: number, code: string) {
  expect(answer.status, answer.raw.slice(0, 300)).toBe(status);
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
  const body = JSON.parse(answer.body);
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message']);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  return body.error.message as string;
}

/** A request line plus Host and `Connection: close` (the answer ends with the socket); `rest` goes on from the headers. */
const request = (head: string, rest = '\r\n') => `${head}\r\nHost: localhost\r\nConnection: close\r\n${rest}`;

describe('every refusal of the HTTP layer answers our JSON error shape', () => {
  it('a malformed %-escape in the URL: 400, the path not quoted back', async () => {
    const answer = await rawRequest(port, request('GET /health/%uD800 HTTP/1.1'));
    const message = expectErrorShape(answer, 400, 'BAD_REQUEST');
    expect(answer.body).not.toContain('%uD800');
    expect(message).not.toContain('/health');
  });

  it('a raw 0xFF or CR byte in the request line: 400', async () => {
    const ff = Buffer.concat([
      Buffer.from('GET /health/'),
      Buffer.from([0xff]),
      Buffer.from(' HTTP/1.1\r\n\r\n'),
    ]);
    expectErrorShape(await rawRequest(port, ff), 400, 'BAD_REQUEST');
    expectErrorShape(await rawRequest(port, 'GET /hea\rlth HTTP/1.1\r\n\r\n'), 400, 'BAD_REQUEST');
  });

  it('a path parameter over the limit: 414, the parameter not quoted back', async () => {
    const long = 'Q'.repeat(500);
    const answer = await rawRequest(port, request(`GET /api/v1/symbols/${long} HTTP/1.1`));
    expectErrorShape(answer, 414, 'URI_TOO_LONG');
    expect(answer.body).not.toContain('QQQQ');
  });

  it('headers over the size limit: 431, no header value quoted back', async () => {
    const answer = await rawRequest(
      port,
      `GET /health HTTP/1.1\r\nHost: x\r\nX-Huge: ${'H'.repeat(20_000)}\r\n\r\n`,
    );
    expectErrorShape(answer, 431, 'HEADERS_TOO_LARGE');
    expect(answer.body).not.toContain('HHHH');
  });

  it('a body that is not JSON: 400, the body not quoted back', async () => {
    const body = '{"userId": sneaky-input';
    const answer = await rawRequest(
      port,
      request(
        'POST /api/v1/auth/login HTTP/1.1',
        `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      ),
    );
    expectErrorShape(answer, 400, 'BAD_REQUEST');
    expect(answer.body).not.toContain('sneaky');
  });

  it('a content type the API does not read: 415, the type not quoted back', async () => {
    const body = '<login user="x"/>';
    const answer = await rawRequest(
      port,
      request(
        'POST /api/v1/auth/login HTTP/1.1',
        `Content-Type: application/x-sneaky-xml\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      ),
    );
    expectErrorShape(answer, 415, 'UNSUPPORTED_MEDIA_TYPE');
    expect(answer.body).not.toContain('sneaky');
  });

  it('a body over the route limit: 413', async () => {
    const body = JSON.stringify({ userId: 'alice', apiKey: 'k'.repeat(8_000) });
    const answer = await rawRequest(
      port,
      request(
        'POST /api/v1/auth/login HTTP/1.1',
        `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      ),
    );
    expectErrorShape(answer, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('CONNECT and methods the API does not serve: 405 with Allow', async () => {
    const connect = await rawRequest(
      port,
      'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n',
    );
    expectErrorShape(connect, 405, 'METHOD_NOT_ALLOWED');
    expect(connect.headers.allow).toContain('GET');
    for (const method of ['PROPFIND', 'FOO', 'TRACE']) {
      const answer = await rawRequest(port, request(`${method} /health HTTP/1.1`));
      expectErrorShape(answer, 405, 'METHOD_NOT_ALLOWED');
    }
  });

  it('an unknown route: 404 without the path', async () => {
    const answer = await rawRequest(port, request('GET /no/such/route-xyz HTTP/1.1'));
    expectErrorShape(answer, 404, 'NOT_FOUND');
    expect(answer.body).not.toContain('route-xyz');
  });
});

describe('slow clients are cut off at the request timeout', () => {
  it('closes a socket that dribbles its headers (slowloris), answering 408', async () => {
    const answer = await rawRequest(port, 'GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ', {
      dribble: { byte: 'a', everyMs: 100 },
    });
    expect(answer.closed).toBe(true);
    expectErrorShape(answer, 408, 'REQUEST_TIMEOUT');
  });

  it('closes a socket that announces a body and sends only part of it', async () => {
    const head =
      'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 3000\r\n\r\n{"userId":';
    const answer = await rawRequest(port, head, { dribble: { byte: ' ', everyMs: 100 } });
    expect(answer.closed).toBe(true);
    expectErrorShape(answer, 408, 'REQUEST_TIMEOUT');
  });

  it('closes a socket that announces a huge chunk and never sends it', async () => {
    const head =
      'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\nabc';
    const answer = await rawRequest(port, head);
    expect(answer.closed).toBe(true);
  });
});

describe('open connections are capped', () => {
  it(`refuses connection ${MAX_CONNECTIONS + 1} while ${MAX_CONNECTIONS} are open, and accepts again after one closes`, async () => {
    const held: net.Socket[] = [];
    try {
      for (let i = 0; i < MAX_CONNECTIONS; i++) {
        const socket = net.connect(port, '127.0.0.1');
        socket.on('error', () => {});
        await new Promise((resolve) => socket.once('connect', resolve));
        held.push(socket);
      }
      await waitFor(async () => (await connectionCount()) === MAX_CONNECTIONS);
      const refused = await rawRequest(port, 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
      expect(refused.closed).toBe(true);
      expect(refused.status).toBeNull();

      held.pop()?.destroy();
      await waitFor(async () => (await connectionCount()) < MAX_CONNECTIONS);
      const served = await rawRequest(port, 'GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      expect(served.status).toBe(200);
    } finally {
      for (const socket of held) socket.destroy();
    }
  });
});

function connectionCount(): Promise<number> {
  return new Promise((resolve, reject) =>
    app.http.server.getConnections((err, count) => (err ? reject(err) : resolve(count))),
  );
}
