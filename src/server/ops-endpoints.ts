/**
 * The operators' part of the HTTPS dialect: /healthz (public and bland: it
 * says the process answers, nothing more), /readyz (whether the store and
 * bus can serve, for load balancers; 503 while shutting down) and /metrics,
 * served only to --metrics-allow addresses or with the bearer token from
 * --metrics-token-file.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { BlockList } from 'node:net';
import { isIPv6 } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Store } from '../store/store.ts';
import type { Metrics } from './metrics.ts';
import { plainAddress } from './moderation.ts';

export interface MetricsAccess {
  /** Addresses that may scrape without a token. */
  allow: BlockList;
  /** The bearer token that admits anyone else; absent: none does. */
  token?: string;
}

export interface Readiness {
  store: boolean;
  bus: boolean;
  shuttingDown: boolean;
}

export interface OpsEndpoints {
  /** Answers the request and returns true when it is one of the operators' paths. */
  handle(request: IncomingMessage, response: ServerResponse): boolean;
}

/** Readiness of a one-process server: its store answers, and the local bus lives in this process. */
export async function readinessOf(
  store: Pick<Store, 'ping'>,
  shuttingDown: boolean,
): Promise<Readiness> {
  const answers = store.ping
    ? await store.ping().then(
        () => true,
        () => false,
      )
    : true;
  return { store: answers, bus: true, shuttingDown };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Compares through digests, so neither the length nor a prefix of the token leaks in time. */
function tokenMatches(given: string, token: string): boolean {
  return timingSafeEqual(digest(given), digest(token));
}

export function metricsAllowed(
  access: MetricsAccess,
  address: string,
  authorization: string | undefined,
): 'allowed' | 'no_token' | 'bad_token' {
  const plain = plainAddress(address);
  if (access.allow.check(plain, isIPv6(plain) ? 'ipv6' : 'ipv4')) return 'allowed';
  const match = /^Bearer\s+(\S+)\s*$/iu.exec(authorization ?? '');
  if (!match) return 'no_token';
  return access.token !== undefined && tokenMatches(match[1]!, access.token)
    ? 'allowed'
    : 'bad_token';
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response
    .writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
    .end(JSON.stringify(body) + '\n');
}

export function createOpsEndpoints(deps: {
  metrics: Metrics;
  access: () => MetricsAccess;
  readiness: () => Promise<Readiness>;
}): OpsEndpoints {
  return {
    handle(request, response) {
      const url = (request.url ?? '/').split('?')[0];
      if (url === '/healthz') {
        json(response, 200, { status: 'ok' });
        return true;
      }
      if (url === '/readyz') {
        deps.readiness().then(
          (ready) => {
            const ok = ready.store && ready.bus && !ready.shuttingDown;
            json(response, ok ? 200 : 503, {
              status: ok ? 'ready' : 'not ready',
              store: ready.store ? 'ok' : 'down',
              bus: ready.bus ? 'ok' : 'down',
              ...(ready.shuttingDown ? { shutting_down: true } : {}),
            });
          },
          () => json(response, 503, { status: 'not ready', store: 'down', bus: 'ok' }),
        );
        return true;
      }
      if (url === '/metrics') {
        const verdict = metricsAllowed(
          deps.access(),
          request.socket.remoteAddress ?? '',
          request.headers.authorization,
        );
        if (verdict === 'allowed') {
          response
            .writeHead(200, {
              'content-type': 'text/plain; version=0.0.4',
              'cache-control': 'no-store',
            })
            .end(deps.metrics.render());
        } else if (verdict === 'bad_token') {
          response
            .writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' })
            .end('unauthorized: wrong metrics token\n');
        } else {
          response
            .writeHead(403, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' })
            .end(
              'forbidden: /metrics is for operators (see --metrics-allow, --metrics-token-file)\n',
            );
        }
        return true;
      }
      return false;
    },
  };
}
