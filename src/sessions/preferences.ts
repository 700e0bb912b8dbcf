import { ErrorCodes, TradecacheError } from '../errors.ts';

/** Exchange symbols (`BTCUSDT`, `1000SHIBUSDT`) and assets (`USDT`). */
export const SYMBOL_PATTERN = '^[A-Z0-9]{2,20}$';
export const ASSET_PATTERN = '^[A-Z0-9]{2,12}$';
const TIMEZONE_PATTERN = '^[A-Za-z0-9_+/-]{1,64}$';
export const MAX_FAVOURITE_SYMBOLS = 100;

export type Theme = 'light' | 'dark' | 'system';
export const THEMES: readonly Theme[] = ['light', 'dark', 'system'];
const NOTIFICATION_FIELDS = ['priceAlerts', 'orderFills', 'news', 'email', 'push'] as const;
export type NotificationPreferences = Partial<Record<(typeof NOTIFICATION_FIELDS)[number], boolean>>;

/** A user's UI and notification preferences. Every field is optional; unknown fields are rejected. */
export interface UserPreferences {
  theme?: Theme;
  defaultQuoteAsset?: string;
  favouriteSymbols?: string[];
  /** IANA zone, e.g. `Europe/Paris`. */
  timezone?: string;
  notifications?: NotificationPreferences;
}

/** JSON schema of {@link UserPreferences} for HTTP bodies (the same rules as {@link validatePreferences}). */
// `propertyNames` rather than `additionalProperties: false`: Fastify's Ajv runs with
// `removeAdditional`, which would silently drop unknown fields instead of rejecting them.
export const userPreferencesSchema = {
  type: 'object',
  propertyNames: { enum: ['theme', 'defaultQuoteAsset', 'favouriteSymbols', 'timezone', 'notifications'] },
  properties: {
    theme: { type: 'string', enum: [...THEMES] },
    defaultQuoteAsset: { type: 'string', pattern: ASSET_PATTERN },
    favouriteSymbols: {
      type: 'array',
      maxItems: MAX_FAVOURITE_SYMBOLS,
      uniqueItems: true,
      items: { type: 'string', pattern: SYMBOL_PATTERN },
    },
    timezone: { type: 'string', pattern: TIMEZONE_PATTERN },
    notifications: {
      type: 'object',
      propertyNames: { enum: [...NOTIFICATION_FIELDS] },
      properties: Object.fromEntries(NOTIFICATION_FIELDS.map((f) => [f, { type: 'boolean' }])),
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
    throw invalid(['preferences must be a JSON object']);
  }
  const source = input as Record<string, unknown>;
  const out: UserPreferences = {};
  for (const [field, value] of Object.entries(source)) {
    switch (field) {
      case 'theme':
        if (THEMES.includes(value as Theme)) out.theme = value as Theme;
        else problems.push(`theme must be one of ${THEMES.join(', ')}`);
        break;
      case 'defaultQuoteAsset':
        if (matches(value, ASSET_PATTERN)) out.defaultQuoteAsset = value;
        else problems.push('defaultQuoteAsset must be an asset like USDT');
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
          problems.push(`favouriteSymbols must be ≤ ${MAX_FAVOURITE_SYMBOLS} distinct symbols like BTCUSDT`);
        }
        break;
      case 'timezone':
        if (matches(value, TIMEZONE_PATTERN) && isTimeZone(value)) out.timezone = value;
        else problems.push('timezone must be an IANA time zone like Europe/Paris');
        break;
      case 'notifications':
        out.notifications = validateNotifications(value, problems);
        break;
      default:
        problems.push(`unknown field ${JSON.stringify(field.slice(0, 40))}`);
    }
  }
  if (problems.length > 0) throw invalid(problems);
  return out;
}

function validateNotifications(value: unknown, problems: string[]): NotificationPreferences {
  const out: NotificationPreferences = {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push('notifications must be an object of booleans');
    return out;
  }
  for (const [field, flag] of Object.entries(value)) {
    const known = NOTIFICATION_FIELDS.find((f) => f === field);
    if (known && typeof flag === 'boolean') out[known] = flag;
    else
      problems.push(
        `notifications.${field.slice(0, 40)} must be one of ${NOTIFICATION_FIELDS.join(', ')} (boolean)`,
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
