import { describe, expect, it } from 'vitest';
import { createSessionKeys } from '../../src/redis/keys/index.ts';
import { loginAddress } from '../../src/sessions/login-address.ts';

describe('loginAddress', () => {
  it('keeps an IPv4 address whole', () => {
    expect(loginAddress('203.0.113.7')).toBe('ip4.203.0.113.7');
  });

  it('counts every address of one IPv6 /64 as one client, and other /64s apart', () => {
    const network = ['2001:db8:1:2::1', '2001:DB8:1:2:ffff:ffff:ffff:ffff', '2001:0db8:0001:0002:0:0:0:9'];
    expect(new Set(network.map(loginAddress))).toEqual(new Set(['ip6.2001-db8-1-2']));
    expect(loginAddress('2001:db8:1:3::1')).toBe('ip6.2001-db8-1-3');
    expect(loginAddress('::1')).toBe('ip6.0-0-0-0');
    expect(loginAddress('fe80::1%eth0')).toBe('ip6.fe80-0-0-0');
  });

  it('counts an IPv4-mapped IPv6 address as its IPv4 address', () => {
    expect(loginAddress('::ffff:203.0.113.7')).toBe('ip4.203.0.113.7');
    expect(loginAddress('::ffff:cb00:7107')).toBe('ip4.203.0.113.7');
  });

  it('puts anything that is not an address into one bucket that is a legal key part', () => {
    const keys = createSessionKeys('t');
    for (const bad of [undefined, '', 'not-an-ip', '1.2.3.4:80', '::g', '{x}']) {
      expect(loginAddress(bad)).toBe('unknown');
    }
    for (const ip of ['203.0.113.7', '2001:db8::1', undefined]) {
      expect(() => keys.loginAddressFailures(loginAddress(ip))).not.toThrow();
    }
  });

  it('tags the keys one login-attempt script touches with the same address', () => {
    const keys = createSessionKeys('t');
    const tagOf = (key: string) => /\{([^}]*)\}/.exec(key)?.[1];
    const address = loginAddress('2001:db8::1');
    expect(tagOf(keys.loginUserAddressFailures(address, 'alice'))).toBe(address);
    expect(tagOf(keys.loginAddressFailures(address))).toBe(address);
    // A user id shaped like an address never shares a key with that address.
    expect(keys.loginUserFailures(address)).not.toBe(keys.loginAddressFailures(address));
  });
});
