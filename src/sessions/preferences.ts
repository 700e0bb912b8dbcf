import { ErrorCodes, TradecacheError } from '../errors.ts';

/** Exchange symbols (`BTCUSDT`, `1000SHIBUSDT`) and assets (`USDT`). */
export const SYMBOL_PATTERN = '^[A-Z0-9]{2,20}$';
export const ASSET_PATTERN = '^[A-Z0-9]{2,12}$';
const TIMEZONE_PATTERN = '^[A-Za-z0-9_+/-]{1,64}$';
/** A BCP 47 language tag as UIs send it: `en`, `pt-BR`, `zh-Hant-TW`. */
const LANGUAGE_PATTERN = '^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$';
export const MAX_FAVOURITE_SYMBOLS = 100;

export type Theme = 'light' | 'dark' | 'system';
export const THEMES: readonly Theme[] = ['light', 'dark', 'system'];
const NOTIFICATION_FIELDS = ['priceAlerts', 'orderFills', 'news', 'email', 'push'] as const;
export type NotificationPreferences = Partial<Record<(typeof NOTIFICATION_FIELDS)[number], boolean>>;

/** A user's UI and notification preferences. Every field is optional; unknown fields are rejected. */
export interface UserPreferences {
  theme?: Theme;
  /** BCP 47 tag, e.g. `en` (the Python platform's `language`). */
  language?: string;
  defaultQuoteAsset?: string;
  favouriteSymbols?: string[];
  /** IANA zone, e.g. `Europe/Paris`. */
  timezone?: string;
  /** Stored per kind; `true` / `false` as input switches every kind (the seed's `notifications: True`). */
  notifications?: NotificationPreferences;
}

/** JSON schema of {@link UserPreferences} for HTTP bodies (the same rules as {@link validatePreferences}). */
// `propertyNames` rather than `additionalProperties: false`: Fastify's Ajv runs with
// `removeAdditional`, which would silently drop unknown fields instead of rejecting them.
// `title` names the body in validation messages (`preferences.theme: expected one of ...`).
export const userPreferencesSchema = {
  title: 'preferences',
  type: 'object',
  propertyNames: {
    enum: ['theme', 'language', 'defaultQuoteAsset', 'favouriteSymbols', 'timezone', 'notifications'],
  },
  properties: {
    theme: { type: 'string', enum: [...THEMES] },
    language: { type: 'string', pattern: LANGUAGE_PATTERN },
    defaultQuoteAsset: { type: 'string', pattern: ASSET_PATTERN },
    favouriteSymbols: {
      type: 'array',
      maxItems: MAX_FAVOURITE_SYMBOLS,
      uniqueItems: true,
      items: { type: 'string', pattern: SYMBOL_PATTERN },
    },
    timezone: { type: 'string', pattern: TIMEZONE_PATTERN },
    // `enum` rather than `type: 'boolean'`: Ajv's type coercion would turn null or "" into false.
    notifications: {
      anyOf: [
        {
          type: 'object',
          propertyNames: { enum: [...NOTIFICATION_FIELDS] },
          properties: Object.fromEntries(NOTIFICATION_FIELDS.map((f) => [f, { enum: [true, false] }])),
        },
        { enum: [true, false] },
      ],
    },
  },
} as const;

/**
 * Checks preferences from any caller (HTTP or library) and returns a clean copy; throws
 * VALIDATION_FAILED listing every problem. The HTTP schema rejects the same inputs earlier.
 */
export function validatePreferences(input: unknown): UserPreferences {
  const problems: string[] = [];
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw invalid(['preferences: expected a JSON object']);
  }
  const source = input as Record<string, unknown>;
  const out: UserPreferences = {};
  for (const [field, value] of Object.entries(source)) {
    switch (field) {
      case 'theme':
        if (THEMES.includes(value as Theme)) out.theme = value as Theme;
        else problems.push(`preferences.theme: expected one of ${THEMES.join(', ')}`);
        break;
      case 'language':
        if (matches(value, LANGUAGE_PATTERN)) out.language = value;
        else problems.push('preferences.language: expected a language tag like en or pt-BR');
        break;
      case 'defaultQuoteAsset':
        if (matches(value, ASSET_PATTERN)) out.defaultQuoteAsset = value;
        else problems.push('preferences.defaultQuoteAsset: expected an asset like USDT');
        break;
      case 'favouriteSymbols':
        if (
          Array.isArray(value) &&
          value.length <= MAX_FAVOURITE_SYMBOLS &&
          value.every((s) => matches(s, SYMBOL_PATTERN)) &&
          new Set(value).size === value.length
        ) {
          out.favouriteSymbols = [...(value as string[])];
        } else {
          problems.push(
            `preferences.favouriteSymbols: expected at most ${MAX_FAVOURITE_SYMBOLS} distinct symbols like BTCUSDT`,
          );
        }
        break;
      case 'timezone':
        if (matches(value, TIMEZONE_PATTERN) && isTimeZone(value)) out.timezone = value;
        else problems.push('preferences.timezone: expected an IANA time zone like Europe/Paris');
        break;
      case 'notifications':
        out.notifications = validateNotifications(value, problems);
        break;
      default:
        problems.push(`preferences: unknown property ${JSON.stringify(field.slice(0, 40))}`);
    }
  }
  if (problems.length > 0) throw invalid(problems);
  return out;
}

function validateNotifications(value: unknown, problems: string[]): NotificationPreferences {
  const out: NotificationPreferences = {};
  if (typeof value === 'boolean') {
    // One switch for every kind, stored as the kinds so a later read has one shape.
    for (const field of NOTIFICATION_FIELDS) out[field] = value;
    return out;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push('preferences.notifications: expected an object of booleans or a boolean');
    return out;
  }
  for (const [field, flag] of Object.entries(value)) {
    const known = NOTIFICATION_FIELDS.find((f) => f === field);
    if (known && typeof flag === 'boolean') out[known] = flag;
    else
      problems.push(
        known
          ? `preferences.notifications.${known}: expected a boolean`
          : `preferences.notifications: unknown property ${JSON.stringify(field.slice(0, 40))}; expected one of ${NOTIFICATION_FIELDS.join(', ')}`,
      );
  }
  return out;
}

function matches(value: unknown, pattern: string): value is string {
  return typeof value === 'string' && new RegExp(pattern).test(value);
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function invalid(problems: string[]): TradecacheError {
  return new TradecacheError(ErrorCodes.VALIDATION_FAILED, `invalid preferences: ${problems.join('; ')}`, {
    context: { details: { problems } },
  });
}
