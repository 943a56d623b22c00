/**
 * Connection admission, pure: address keys (IPv4 /32, IPv6 /64, mapped
 * IPv4), the exempt list, and the three caps, with injected times.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  addressKey,
  ConnectionLimiter,
  parseExemptList,
  type ConnectionLimits,
} from '../../src/server/connection-limits.ts';
import { DEFAULT_EXEMPT } from '../../src/protocol/limits.ts';

const T0 = 1_000_000;

test('addressKey: IPv4 is its own key; IPv4-mapped IPv6 is the same IPv4', () => {
  assert.equal(addressKey('203.0.113.7'), '203.0.113.7');
  assert.equal(addressKey('::ffff:203.0.113.7'), '203.0.113.7');
  assert.notEqual(addressKey('203.0.113.7'), addressKey('203.0.113.8'));
});

test('addressKey: IPv6 addresses are grouped by /64, however they are written', () => {
  const key = addressKey('2001:db8:1:2::1');
  assert.equal(key, '2001:db8:1:2::/64');
  for (const same of [
    '2001:db8:1:2:ffff:ffff:ffff:ffff',
    '2001:0db8:0001:0002:0000:0000:0000:0009',
    '2001:DB8:1:2::abcd',
    '2001:db8:1:2:3:4:5:6',
    '2001:db8:1:2::',
  ]) {
    assert.equal(addressKey(same), key, same);
  }
  for (const other of ['2001:db8:1:3::1', '2001:db8::1', '2001:db8:1::2:0:0:1']) {
    assert.notEqual(addressKey(other), key, other);
  }
  assert.equal(addressKey('::1'), '0:0:0:0::/64');
  assert.equal(addressKey('::'), '0:0:0:0::/64');
  assert.equal(addressKey('fe80::1%eth0'), 'fe80:0:0:0::/64');
  assert.equal(addressKey('2001:db8::1.2.3.4'), '2001:db8:0:0::/64');
  // A mapped address is not confused with the IPv6 zero /64.
  assert.notEqual(addressKey('::ffff:10.0.0.1'), addressKey('::1'));
});

test('parseExemptList: addresses and CIDR blocks, v4 and v6', () => {
  const list = parseExemptList([...DEFAULT_EXEMPT, '10.0.0.0/8', '2001:db8::/32', '192.0.2.5']);
  assert.equal(list.check('127.1.2.3', 'ipv4'), true);
  assert.equal(list.check('::1', 'ipv6'), true);
  assert.equal(list.check('10.200.0.1', 'ipv4'), true);
  assert.equal(list.check('11.0.0.1', 'ipv4'), false);
  assert.equal(list.check('2001:db8:ffff::1', 'ipv6'), true);
  assert.equal(list.check('2001:db9::1', 'ipv6'), false);
  assert.equal(list.check('192.0.2.5', 'ipv4'), true);
  assert.equal(list.check('192.0.2.6', 'ipv4'), false);
  assert.equal(parseExemptList([' 10.0.0.0/8 ']).check('10.1.1.1', 'ipv4'), true);
  assert.equal(parseExemptList([]).check('127.0.0.1', 'ipv4'), false);
});

test('parseExemptList: every malformed entry is an error naming it', () => {
  for (const entry of [
    '',
    'localhost',
    '10.0.0',
    '10.0.0.256',
    '10.0.0.0/33',
    '::1/129',
    '10.0.0.0/-1',
    '10.0.0.0/8.5',
    '10.0.0.0/x',
    '10.0.0.0/', // Number('') is 0: this must not exempt every address
    '10.0.0.0/8/9',
    '10.0.0.0/0x8',
    '::1/1e2',
    '10.0.0.0 /8',
  ]) {
    assert.throws(
      () => parseExemptList([entry]),
      (error: Error) => error.message.includes(`"${entry}"`),
      JSON.stringify(entry),
    );
  }
});

function limiter(limits: Partial<ConnectionLimits> = {}) {
  return new ConnectionLimiter({
    perAddress: 3,
    newPerWindow: 100,
    newWindowMs: 60_000,
    global: 1000,
    exempt: [],
    ...limits,
  });
}

test('per-address cap: the (n+1)th concurrent connection is refused; releasing one lets one in', () => {
  const l = limiter();
  for (let i = 0; i < 3; i++) assert.equal(l.admit('198.51.100.1', T0), null);
  assert.equal(l.admit('198.51.100.1', T0), 'per_address');
  assert.equal(l.admit('198.51.100.2', T0), null, 'another address is not affected');
  l.release('198.51.100.1');
  assert.equal(l.admit('198.51.100.1', T0), null);
  assert.equal(l.admit('198.51.100.1', T0), 'per_address');
  assert.equal(l.total, 4);
});

test('per-address cap: a whole IPv6 /64 counts as one address; mapped IPv4 counts as IPv4', () => {
  const l = limiter();
  assert.equal(l.admit('2001:db8:0:1::1', T0), null);
  assert.equal(l.admit('2001:db8:0:1::2', T0), null);
  assert.equal(l.admit('2001:db8:0:1:ffff::3', T0), null);
  assert.equal(l.admit('2001:db8:0:1::4', T0), 'per_address');
  assert.equal(l.admit('2001:db8:0:2::1', T0), null, 'the next /64 is someone else');
  assert.equal(l.admit('192.0.2.1', T0), null);
  assert.equal(l.admit('::ffff:192.0.2.1', T0), null);
  assert.equal(l.admit('192.0.2.1', T0), null);
  assert.equal(l.admit('::ffff:192.0.2.1', T0), 'per_address');
  l.release('::ffff:192.0.2.1');
  assert.equal(l.admit('192.0.2.1', T0), null, 'released under the same key');
});

test('exempt addresses skip the per-address caps but still count towards the global one', () => {
  const l = limiter({ exempt: DEFAULT_EXEMPT, global: 10, newPerWindow: 2 });
  for (let i = 0; i < 8; i++) assert.equal(l.admit('127.0.0.1', T0), null);
  assert.equal(l.admit('::1', T0), null);
  assert.equal(l.admit('::ffff:127.0.0.1', T0), null, 'mapped loopback is loopback');
  assert.equal(l.total, 10);
  assert.equal(l.admit('127.0.0.1', T0), 'global');
  assert.equal(l.isExempt('::ffff:127.0.0.1'), true);
  assert.equal(l.isExempt('198.51.100.1'), false);
});

test('new-connection rate: newPerWindow per window, then refused until tokens come back', () => {
  const l = limiter({ newPerWindow: 3, newWindowMs: 60_000, perAddress: 100 });
  for (let i = 0; i < 3; i++) {
    assert.equal(l.admit('198.51.100.9', T0), null);
    l.release('198.51.100.9');
  }
  assert.equal(l.admit('198.51.100.9', T0), 'rate');
  assert.equal(l.admit('198.51.100.10', T0), null, 'per address');
  // One token per window / newPerWindow = 20 s.
  assert.equal(l.admit('198.51.100.9', T0 + 19_999), 'rate');
  assert.equal(l.admit('198.51.100.9', T0 + 20_000), null);
  assert.equal(l.total, 2);
});

test('a refused connection takes nothing: no open slot and no rate token', () => {
  const l = limiter({ perAddress: 1, newPerWindow: 2 });
  assert.equal(l.admit('198.51.100.3', T0), null);
  for (let i = 0; i < 10; i++) assert.equal(l.admit('198.51.100.3', T0), 'per_address');
  l.release('198.51.100.3');
  assert.equal(l.admit('198.51.100.3', T0), null, 'the second rate token was still there');
  assert.equal(l.total, 1);
});

test('the global cap refuses everyone once reached, exempt or not', () => {
  const l = limiter({ global: 2, exempt: ['127.0.0.0/8'] });
  assert.equal(l.admit('198.51.100.1', T0), null);
  assert.equal(l.admit('127.0.0.1', T0), null);
  assert.equal(l.admit('198.51.100.2', T0), 'global');
  assert.equal(l.admit('127.0.0.1', T0), 'global');
  l.release('127.0.0.1');
  assert.equal(l.admit('198.51.100.2', T0), null);
});

test('sweep drops only rate state that limits nobody', () => {
  const l = limiter({ newPerWindow: 2, newWindowMs: 1000, perAddress: 100 });
  l.admit('198.51.100.1', T0);
  l.admit('198.51.100.1', T0);
  l.sweep(T0 + 100);
  assert.equal(l.admit('198.51.100.1', T0 + 100), 'rate', 'a part-used bucket survives a sweep');
  l.sweep(T0 + 5000);
  assert.equal(l.admit('198.51.100.1', T0 + 5000), null);
});
