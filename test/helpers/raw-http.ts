import net from 'node:net';

/** What came back on one raw socket. */
export interface RawAnswer {
  /** The socket was closed by the server before the deadline. */
  readonly closed: boolean;
  readonly status: number | null;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** Everything received, as latin1 (bytes as they were). */
  readonly raw: string;
}

export interface RawOptions {
  /** Bytes written after the first chunk, one every `dribbleMs` (slow clients). */
  dribble?: { byte: string; everyMs: number };
  /** Stops a hung test: the answer is then `closed: false`. @default 5000 */
  deadlineMs?: number;
}

/**
 * Writes raw request bytes on a fresh TCP connection and reads until the server closes it
 * (answers of ours to bad requests end with `Connection: close`; so do timeouts).
 */
export function rawRequest(
  port: number,
  bytes: string | Buffer,
  options: RawOptions = {},
): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let dribbler: NodeJS.Timeout | undefined;
    const finish = (closed: boolean) => {
      clearTimeout(deadline);
      clearInterval(dribbler);
      socket.destroy();
      resolve(parse(closed, Buffer.concat(chunks).toString('latin1')));
    };
    const deadline = setTimeout(() => finish(false), options.deadlineMs ?? 5_000);
    socket.on('data', (data) => chunks.push(data));
    socket.on('error', () => {});
    socket.on('close', () => finish(true));
    socket.write(bytes);
    const dribble = options.dribble;
    if (dribble) {
      dribbler = setInterval(() => {
        if (socket.writable) socket.write(dribble.byte);
      }, dribble.everyMs);
    }
  });
}

function parse(closed: boolean, raw: string): RawAnswer {
  const end = raw.indexOf('\r\n\r\n');
  const head = end === -1 ? raw : raw.slice(0, end);
  const [statusLine = '', ...lines] = head.split('\r\n');
  const status = /^HTTP\/1\.1 (\d{3})/.exec(statusLine)?.[1];
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = end === -1 ? '' : raw.slice(end + 4);
  if (headers['transfer-encoding'] === 'chunked') body = unchunk(body);
  return { closed, status: status ? Number(status) : null, headers, body, raw };
}

function unchunk(body: string): string {
  let out = '';
  let rest = body;
  for (;;) {
    const eol = rest.indexOf('\r\n');
    if (eol === -1) return out;
    const size = Number.parseInt(rest.slice(0, eol), 16);
    if (!size) return out;
    out += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 4 + size);
  }
}
