/**
 * Ajv's validation errors as one line naming the field and what was expected
 * (`preferences.notifications: expected an object or a boolean`), instead of Fastify's
 * `body/notifications must be object`, which names no property for `propertyNames` errors.
 * Values are never quoted back; an unknown property's name is (cut to 40 characters), since
 * naming it is the point.
 */

/** The parts of an Ajv error we read (Fastify's `FastifyError['validation']` items). */
export interface SchemaError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
  propertyName?: string;
}

const ARTICLE: Record<string, string> = {
  object: 'an object',
  array: 'an array',
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'a boolean',
  null: 'null',
};

/** `/notifications/news` → `notifications.news`; `/favouriteSymbols/3` → `favouriteSymbols[3]`. */
function fieldOf(root: string, instancePath: string, extra?: string): string {
  let field = root;
  const parts = instancePath.split('/').slice(1);
  if (extra !== undefined) parts.push(extra);
  for (const raw of parts) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~').slice(0, 40);
    if (/^\d+$/.test(part)) field += `[${part}]`;
    else field += field === '' ? part : `.${part}`;
  }
  return field === '' ? '(request)' : field;
}

const list = (values: unknown): string =>
  (Array.isArray(values) ? values : [])
    .map((v) => (typeof v === 'string' ? v : JSON.stringify(v)))
    .join(', ');

function typesOf(type: unknown): string {
  return (Array.isArray(type) ? type : [type]).map((t) => ARTICLE[String(t)] ?? String(t)).join(' or ');
}

/** What a failed keyword expected, in words. */
function expected(err: SchemaError): string {
  const p = err.params;
  switch (err.keyword) {
    case 'type':
      return `expected ${typesOf(p.type)}`;
    case 'enum': {
      const allowed = Array.isArray(p.allowedValues) ? p.allowedValues : [];
      if (allowed.length === 2 && allowed.includes(true) && allowed.includes(false))
        return 'expected a boolean';
      return `expected one of ${list(allowed)}`;
    }
    case 'const':
      return `expected ${JSON.stringify(p.allowedValue)}`;
    case 'pattern':
      return `expected a string matching ${String(p.pattern)}`;
    case 'format':
      return `expected a ${String(p.format)}`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `expected a number ${String(p.comparison)} ${String(p.limit)}`;
    case 'minLength':
      return `expected at least ${String(p.limit)} characters`;
    case 'maxLength':
      return `expected at most ${String(p.limit)} characters`;
    case 'minItems':
      return `expected at least ${String(p.limit)} items`;
    case 'maxItems':
      return `expected at most ${String(p.limit)} items`;
    case 'uniqueItems':
      return 'expected distinct items';
    case 'minProperties':
      return `expected at least ${String(p.limit)} properties`;
    case 'maxProperties':
      return `expected at most ${String(p.limit)} properties`;
    default:
      return `expected a valid value (${err.message ?? err.keyword})`;
  }
}

/**
 * One line for the first problem Ajv found. `root` names the body (the schema's `title`, e.g.
 * `preferences`); query and path parameters are named by themselves.
 */
export function describeSchemaErrors(errors: readonly SchemaError[], root: string): string {
  const first = errors[0];
  if (!first) return `${root || '(request)'}: invalid`;
  // An unknown property, reported by `propertyNames` (its inner error carries the name) or by
  // `additionalProperties`.
  const unknown =
    first.propertyName ??
    (first.keyword === 'additionalProperties' ? String(first.params.additionalProperty) : undefined);
  if (unknown !== undefined) {
    const allowed = first.keyword === 'enum' ? `; expected one of ${list(first.params.allowedValues)}` : '';
    return `${fieldOf(root, first.instancePath)}: unknown property ${JSON.stringify(unknown.slice(0, 40))}${allowed}`;
  }
  if (first.keyword === 'required') {
    return `${fieldOf(root, first.instancePath, String(first.params.missingProperty))}: required`;
  }
  const alternatives = errors.find((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  if (alternatives) {
    const at = alternatives.instancePath;
    const branches = errors.filter((e) => e !== alternatives && e.instancePath === at && !e.propertyName);
    // A value of a branch's type that failed inside it: that failure is the one to report.
    const inner = errors.find((e) => e !== alternatives && e.instancePath.startsWith(`${at}/`));
    const insideBranch = errors.find((e) => e.propertyName !== undefined && e.instancePath === at);
    if (insideBranch || inner) return describeSchemaErrors([insideBranch ?? inner!], root);
    const wanted = [...new Set(branches.map((e) => expected(e).replace(/^expected /, '')))];
    return `${fieldOf(root, at)}: expected ${wanted.join(' or ')}`;
  }
  return `${fieldOf(root, first.instancePath)}: ${expected(first)}`;
}
