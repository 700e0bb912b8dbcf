import http from 'node:http';

/** What one HTTP request of a load loop ended as. */
export interface Outcome {
  status: number | 'network-error';
  /** The `error.code` of a JSON error answer. */
  errorCode?: string;
  ms: number;
  /** Epoch ms when the answer arrived. */
  at: number;
  body?: unknown;
}

export interface LoadRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /**
   * Loopback source address (`127.0.x.y`). The API limits each client address (1,200 requests
   * a minute), so a load from one address would measure that limit, not the fault.
   */
  from?: string;
  timeoutMs?: number;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** One request; network failures (reset, refused, timeout) come back as an outcome, never a throw. */
export function request(url: string, init: LoadRequest = {}): Promise<Outcome> {
  const started = performance.now();
  const done = (status: Outcome['status'], text = ''): Outcome => {
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {}
    const errorCode = (body as { error?: { code?: unknown } } | null)?.error?.code;
    return {
      status,
      ...(typeof errorCode === 'string' ? { errorCode } : {}),
      ms: performance.now() - started,
      at: Date.now(),
      body,
    };
  };
  return new Promise((resolve) => {
    const req = http.request(
      url,
      {
        agent,
        method: init.method ?? 'GET',
        headers: init.headers ?? {},
        ...(init.from ? { localAddress: init.from } : {}),
        timeout: init.timeoutMs ?? 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve(done(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'))));
        res.on('error', () => resolve(done('network-error')));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(done('network-error')));
    req.end(init.body);
  });
}

/** A loopback source address of its own for client `i` (up to 65,000 of them). */
export const clientAddress = (i: number) => `127.1.${Math.floor(i / 250)}.${(i % 250) + 1}`;

/** Runs `clients` loops that each call `next(i)` until it returns false; resolves when all stop. */
export async function runClients(clients: number, next: (client: number) => Promise<boolean>): Promise<void> {
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      while (await next(client)) {}
    }),
  );
}

/** Resident set size of this process in MiB. */
export const rssMiB = () => process.memoryUsage().rss / 2 ** 20;
