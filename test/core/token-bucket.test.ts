/**
 * TokenBucket: pure, the time is always passed in, so these tests need no clock.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenBucket } from '../../src/core/token-bucket.ts';

const T0 = 1_000_000;

test('starts full: `capacity` takes succeed at once, the next one fails', () => {
  const bucket = new TokenBucket({ capacity: 10, perSecond: 2 }, T0);
  for (let i = 0; i < 10; i++) assert.equal(bucket.take(T0), true, `take ${i + 1}`);
  assert.equal(bucket.take(T0), false);
  assert.equal(bucket.isFull(T0), false);
});

test('refills at perSecond: one token per 1/perSecond s, exactly', () => {
  const bucket = new TokenBucket({ capacity: 10, perSecond: 2 }, T0);
  for (let i = 0; i < 10; i++) bucket.take(T0);
  assert.equal(bucket.waitMs(T0), 500);
  assert.equal(bucket.waitMs(T0 + 200), 300);
  assert.equal(bucket.take(T0 + 499), false);
  assert.equal(bucket.take(T0 + 500), true);
  assert.equal(bucket.take(T0 + 500), false);
  // Three seconds later: six tokens, not more.
  let taken = 0;
  while (bucket.take(T0 + 3500)) taken++;
  assert.equal(taken, 6);
});

test('never holds more than capacity, however long it was idle', () => {
  const bucket = new TokenBucket({ capacity: 3, perSecond: 100 }, T0);
  bucket.take(T0);
  let taken = 0;
  while (bucket.take(T0 + 3_600_000)) taken++;
  assert.equal(taken, 3);
});

test('waitMs is 0 while a token is available and does not take it', () => {
  const bucket = new TokenBucket({ capacity: 1, perSecond: 1 }, T0);
  assert.equal(bucket.waitMs(T0), 0);
  assert.equal(bucket.waitMs(T0), 0);
  assert.equal(bucket.take(T0), true);
  assert.equal(bucket.waitMs(T0), 1000);
});

test('fractional rates: 30 per minute is one per 2 s', () => {
  const bucket = new TokenBucket({ capacity: 30, perSecond: 30 / 60 }, T0);
  for (let i = 0; i < 30; i++) assert.ok(bucket.take(T0));
  assert.equal(bucket.take(T0 + 1999), false);
  assert.equal(bucket.take(T0 + 2000), true);
  assert.equal(bucket.waitMs(T0 + 2000), 2000);
});

test('isFull only once completely refilled', () => {
  const bucket = new TokenBucket({ capacity: 4, perSecond: 2 }, T0);
  assert.equal(bucket.isFull(T0), true);
  bucket.take(T0);
  bucket.take(T0);
  assert.equal(bucket.isFull(T0 + 999), false);
  assert.equal(bucket.isFull(T0 + 1000), true);
});

test('a clock that goes backwards adds no tokens and breaks nothing', () => {
  const bucket = new TokenBucket({ capacity: 2, perSecond: 1 }, T0);
  bucket.take(T0);
  bucket.take(T0);
  assert.equal(bucket.take(T0 - 60_000), false);
  assert.ok(bucket.waitMs(T0 - 60_000) > 0);
  assert.ok(Number.isFinite(bucket.waitMs(T0 - 60_000)));
});
