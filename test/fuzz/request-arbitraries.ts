/**
 * fast-check arbitraries of hostile HTTP requests: path parameters, queries, headers and bodies,
 * built from an OpenAPI operation so every route gets inputs shaped like its own and unlike them.
 */
import fc from 'fast-check';

export interface OpenApiParameter {
  readonly in: 'path' | 'query' | 'header' | 'cookie';
  readonly name: string;
  readonly schema?: JsonSchema;
}

export interface JsonSchema {
  readonly type?: string | readonly string[];
  readonly enum?: readonly unknown[];
  readonly pattern?: string;
  readonly properties?: Record<string, JsonSchema>;
  readonly required?: readonly string[];
  readonly items?: JsonSchema;
  readonly anyOf?: readonly JsonSchema[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly maxLength?: number;
  readonly maxItems?: number;
}

export interface OpenApiOperation {
  readonly method: string;
  readonly url: string;
  readonly parameters: readonly OpenApiParameter[];
  readonly bodySchema: JsonSchema | null;
}

/** Strings that break naive key, pattern, path and URL handling. */
const HOSTILE = [
  '..',
  '../..',
  '../../etc/passwd',
  '*',
  '?',
  '[a-z]',
  '\\',
  '{',
  '}',
  '{x}',
  ':',
  '::',
  'a:b',
  '%',
  '%00',
  '\u0000',
  ' ',
  '\r\n',
  '~lease',
  'BTCUSDT*',
  'BTC:USDT',
  'BTC{USDT}',
  'BTCUSDT\u0000',
  'ßTCÜSDT',
  '𝔹𝕋ℂ',
  '\u202e',
  '\ufeff',
  'constructor',
  '__proto__',
  'NaN',
  '-1',
  '1e309',
  'Infinity',
  '-Infinity',
  '0x10',
  'null',
  '[]',
  '{}',
] as const;

/** A hostile or merely odd string, now and then 10 kB long. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...HOSTILE) },
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom(...HOSTILE), fc.stringMatching(/^[A-Z0-9]{2,12}$/))
      .map(([h, s]) => s + h + s),
  },
  { weight: 1, arbitrary: fc.constantFrom('A', 'x', '*', '.').map((c) => c.repeat(10_000)) },
);

const DAY = 86_400_000;
const recentDay = fc.integer({ min: 0, max: 30 }).map((d) => Date.UTC(2024, 0, 1) + d * DAY);
// The fuzz target holds prices of the last hour; `Date.now()` at generation keeps runs comparable.
const lastHours = fc.integer({ min: -3 * 60, max: 10 }).map((m) => Date.now() + m * 60_000);
/** Values a real client sends for a field of this name: they get past validation to the services. */
const REALISTIC: Record<string, fc.Arbitrary<unknown>> = {
  market: fc.constantFrom('spot', 'futures'),
  symbol: fc.constantFrom('BTCUSDT', 'ETHUSDT', 'BNBUSDT', 'btcusdt', 'NOPEUSDT'),
  interval: fc.constantFrom('1m', '5m', '1h', '4h', '1d', '7m'),
  from: fc.oneof(recentDay, lastHours),
  to: fc.oneof(recentDay, lastHours),
  start: fc.oneof(
    recentDay,
    recentDay.map((t) => new Date(t).toISOString().slice(0, 10)),
  ),
  end: fc.oneof(
    recentDay,
    recentDay.map((t) => new Date(t).toISOString().slice(0, 10)),
  ),
  limit: fc.integer({ min: -1, max: 1001 }),
  confirm: fc.constantFrom('true', 'yes', 'TRUE'),
  userId: fc.constantFrom('fuzz.user', 'admin', 'nobody'),
  status: fc.constantFrom('active', 'triggered', 'expired', 'all'),
  targetPrice: fc.constantFrom(
    '60000',
    '0.00000001',
    '61000.50',
    '0',
    '1e5',
    '99999999999999999999.999999999999999999',
  ),
  condition: fc.constantFrom('above', 'below', 'crosses'),
  ttlSeconds: fc.integer({ min: -1, max: 40_000_000 }),
};

/** A value legal for `schema` (when the generator can tell), for inputs that reach deep. */
export function validish(schema: JsonSchema | undefined, depth = 0, name?: string): fc.Arbitrary<unknown> {
  const realistic = name === undefined ? undefined : REALISTIC[name];
  if (realistic)
    return fc.oneof({ weight: 3, arbitrary: realistic }, { weight: 1, arbitrary: validish(schema, depth) });
  if (!schema) return fc.jsonValue({ maxDepth: 2 });
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (schema.anyOf && schema.anyOf.length > 0)
    return fc.oneof(...schema.anyOf.map((s) => validish(s, depth)));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string':
      if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern));
      return fc.string({ maxLength: schema.maxLength ?? 20 });
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1000, max: schema.maximum ?? 1_000_000 });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(validish(schema.items, depth + 1), { maxLength: Math.min(schema.maxItems ?? 5, 5) });
    case 'object': {
      if (depth > 3) return fc.constant({});
      const props = schema.properties ?? {};
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [field, inner] of Object.entries(props)) record[field] = validish(inner, depth + 1, field);
      return fc.record(record, { requiredKeys: [...(schema.required ?? [])].filter((r) => r in props) });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** A value for `schema` that is legal, hostile, or of another JSON type. */
export function valueFor(schema: JsonSchema | undefined, name?: string): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 5, arbitrary: validish(schema, 0, name) },
    { weight: 3, arbitrary: hostileString },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  );
}

/** A schema-shaped body with some of its fields made hostile, extra or missing. */
function mutatedBody(schema: JsonSchema): fc.Arbitrary<unknown> {
  const props = schema.properties ?? {};
  const names = Object.keys(props);
  if (names.length === 0) return validish(schema);
  return fc
    .tuple(
      validish(schema),
      fc.dictionary(fc.constantFrom(...names, '__proto__', 'constructor', 'extra'), valueFor(undefined), {
        maxKeys: 3,
      }),
      fc.subarray(names, { maxLength: 2 }),
    )
    .map(([base, overrides, dropped]) => {
      const out: Record<string, unknown> = { ...(base as object) };
      for (const [k, v] of Object.entries(overrides))
        Object.defineProperty(out, k, { value: v, enumerable: true, configurable: true, writable: true });
      for (const d of dropped) delete out[d];
      return out;
    });
}

export interface GeneratedBody {
  readonly payload: string | Buffer | undefined;
  readonly contentType: string | undefined;
}

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=utf-16',
  'application/JSON',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  'application/vnd.api+json',
  '',
  ';;;',
  'application/json, text/plain',
] as const;

/** A request body: schema-shaped JSON, any JSON, not JSON at all, or far over the size limit. */
export function bodyFor(schema: JsonSchema | null): fc.Arbitrary<GeneratedBody> {
  const json = (value: fc.Arbitrary<unknown>) => value.map((v) => JSON.stringify(v) ?? 'null');
  const text = fc.oneof(
    { weight: schema ? 4 : 0, arbitrary: json(schema ? validish(schema) : fc.constant(null)) },
    { weight: schema ? 4 : 0, arbitrary: json(schema ? mutatedBody(schema) : fc.constant(null)) },
    { weight: 2, arbitrary: json(fc.jsonValue({ maxDepth: 3 })) },
    { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('{', '{"a":', '[1,2', '\u0000', '{"__proto__":{"x":1}}', 'null', ''),
    },
    { weight: 1, arbitrary: fc.constant(`{"deep":${'['.repeat(5000)}${']'.repeat(5000)}}`) },
  );
  return fc.oneof(
    { weight: 8, arbitrary: fc.record({ payload: text, contentType: fc.constant('application/json') }) },
    { weight: 3, arbitrary: fc.record({ payload: text, contentType: fc.constantFrom(...CONTENT_TYPES) }) },
    { weight: 2, arbitrary: fc.constant<GeneratedBody>({ payload: undefined, contentType: undefined }) },
    {
      weight: 1,
      arbitrary: fc
        .uint8Array({ maxLength: 64 })
        .map((bytes) => ({ payload: Buffer.from(bytes), contentType: 'application/json' })),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        { payload: `{"x":"${'A'.repeat(2_000_000)}"}`, contentType: 'application/json' },
        { payload: `[${'1,'.repeat(200_000)}1]`, contentType: 'application/json' },
      ),
    },
  );
}

/** A path parameter as it goes into the URL: percent-encoded, or raw when the URL allows it. */
export function encodePathValue(value: string, raw: boolean): string {
  if (raw && /^[!-~]*$/.test(value) && !/[#?%/]/.test(value)) return value;
  try {
    return encodeURIComponent(value);
  } catch {
    // A lone surrogate: send the bytes a careless client would (invalid UTF-8).
    return '%ED%A0%80';
  }
}
