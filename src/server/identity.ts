/**
 * Resume tokens: a random secret handed out in `welcome` and presented in the
 * next `hello`. It proves a reconnecting guest is the same person as before,
 * which is what entitles them to their private history: without it, whoever
 * takes a free name next would read the previous holder's private messages.
 * Only a hash of the token is stored.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Identity, Store } from '../store/store.ts';

export const RESUME_TOKEN_TTL_MS = 7 * 86_400_000;

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * When a new identity's private history begins. One millisecond after login:
 * a message the previous holder of the name sent in the very millisecond of
 * this login must not count as this person's.
 */
export function identityStart(now: number): number {
  return now + 1;
}

/** The identity a token proves, if it is valid. */
export function identityOfToken(
  store: Store,
  token: string,
  now: number,
): Promise<Identity | undefined> {
  return store.findResumeToken(hashToken(token), now);
}

export async function resolveIdentity(
  store: Store,
  nameKey: string,
  token: string | undefined,
  now: number,
): Promise<{ identity: Identity; token: string }> {
  if (token !== undefined) {
    const known = await store.findResumeToken(hashToken(token), now);
    if (known && known.nameKey === nameKey) {
      await store.saveResumeToken(hashToken(token), known, now + RESUME_TOKEN_TTL_MS);
      return { identity: known, token };
    }
  }
  const fresh = randomBytes(24).toString('base64url');
  const identity = { nameKey, since: identityStart(now) };
  await store.saveResumeToken(hashToken(fresh), identity, now + RESUME_TOKEN_TTL_MS);
  return { identity, token: fresh };
}
