import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  deriveAuthSecrets,
  SessionTokens,
  secretsEqual,
  validatePreferences,
} from '../../src/sessions/index.ts';

const sessionId = randomBytes(32).toString('base64url');

describe('SessionTokens', () => {
  it('accepts its own tokens and rejects them under another server key', () => {
    const { tokenKey } = deriveAuthSecrets(randomBytes(32));
    const tokens = new SessionTokens(tokenKey);
    const token = tokens.issue('alice@desk.1', sessionId);
    expect(tokens.verify(token)).toEqual({ userId: 'alice@desk.1', sessionId });
    expect(new SessionTokens(deriveAuthSecrets(randomBytes(32)).tokenKey).verify(token)).toBeNull();
  });

  it('rejects every single-character change of a token, also once the genuine one is remembered', () => {
    const tokens = new SessionTokens(randomBytes(32));
    const token = tokens.issue('alice', sessionId);
    // Accepted first, so it sits in the memory of authentic tokens while its variants are tried.
    expect(tokens.verify(token)).toEqual({ userId: 'alice', sessionId });
    fc.assert(
      fc.property(fc.nat({ max: token.length - 1 }), fc.constantFrom(...'AbZ09-_.'.split('')), (i, c) => {
        fc.pre(token[i] !== c);
        expect(tokens.verify(`${token.slice(0, i)}${c}${token.slice(i + 1)}`)).toBeNull();
      }),
    );
    expect(tokens.verify(token)).toEqual({ userId: 'alice', sessionId });
  });
});

describe('secretsEqual', () => {
  it('compares secrets of any length', () => {
    expect(secretsEqual('admin-token-123456', 'admin-token-123456')).toBe(true);
    expect(secretsEqual('admin-token-12345', 'admin-token-123456')).toBe(false);
  });
});

describe('validatePreferences', () => {
  it('keeps known fields and lists every problem', () => {
    expect(validatePreferences({ theme: 'system', notifications: { priceAlerts: true } })).toEqual({
      theme: 'system',
      notifications: { priceAlerts: true },
    });
    expect(() => validatePreferences({ theme: 'neon', notifications: { sms: true } })).toThrow(/theme.*sms/);
  });
});
