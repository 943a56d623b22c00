/**
 * The web client's files, served by natter itself. The bundle is small, so
 * it is read once at start-up and kept in memory with its gzip and brotli
 * forms made then; a request costs a Map lookup. Files under assets/ carry
 * a content hash in their names (Vite's output) and are cached for a year;
 * everything else, index.html above all, is revalidated on every load, so a
 * new release is picked up by the next reload.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';

const brotli = promisify(brotliCompress);
const gzipped = promisify(gzip);

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json', '.webmanifest', '.txt']);
/** Below this, compression costs more than it saves. */
const MIN_COMPRESS_BYTES = 512;
const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

interface Asset {
  type: string;
  body: Buffer;
  gzip?: Buffer;
  br?: Buffer;
  etag: string;
  cacheControl: string;
}

export interface WebAssets {
  /** By URL path: `/`, `/assets/index-3f2a.js`, … */
  readonly files: ReadonlyMap<string, Asset>;
}

async function listFiles(dir: string, base = dir): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.name.startsWith('.')) continue; // the build stamp and the like
    if (entry.isDirectory()) files.push(...(await listFiles(full, base)));
    else if (entry.isFile()) files.push(path.relative(base, full));
  }
  return files;
}

/** Loads a built client; null when there is none (the server still runs, without it). */
export async function loadWebAssets(root: string): Promise<WebAssets | null> {
  let names: string[];
  try {
    names = await listFiles(root);
  } catch {
    return null;
  }
  if (!names.includes('index.html')) return null;
  const files = new Map<string, Asset>();
  for (const name of names) {
    const ext = path.extname(name).toLowerCase();
    const body = await readFile(path.join(root, name));
    const urlPath = '/' + name.split(path.sep).join('/');
    const asset: Asset = {
      type: TYPES[ext] ?? 'application/octet-stream',
      body,
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
      cacheControl: urlPath.startsWith('/assets/') ? IMMUTABLE : REVALIDATE,
    };
    if (COMPRESSIBLE.has(ext) && body.length >= MIN_COMPRESS_BYTES) {
      asset.gzip = await gzipped(body, { level: 9 });
      asset.br = await brotli(body, {
        params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length },
      });
    }
    files.set(urlPath === '/index.html' ? '/' : urlPath, asset);
  }
  return { files };
}

/** The encodings a request accepts, by the tokens of Accept-Encoding (q=0 refuses). */
function accepts(request: IncomingMessage, encoding: string): boolean {
  const header = request.headers['accept-encoding'];
  if (typeof header !== 'string') return false;
  return header.split(',').some((part) => {
    const [token, ...params] = part.trim().split(';');
    if (token?.trim().toLowerCase() !== encoding) return false;
    return !params.some((p) => /^\s*q\s*=\s*0(\.0*)?\s*$/.test(p));
  });
}

/** Serves a file of the client; false when `pathname` is none of them. */
export function serveWebAsset(
  assets: WebAssets,
  pathname: string,
  request: IncomingMessage,
  response: ServerResponse,
): boolean {
  const asset = assets.files.get(pathname === '/index.html' ? '/' : pathname);
  if (!asset) return false;
  let body = asset.body;
  let encoding: string | undefined;
  if (asset.br && accepts(request, 'br')) [body, encoding] = [asset.br, 'br'];
  else if (asset.gzip && accepts(request, 'gzip')) [body, encoding] = [asset.gzip, 'gzip'];
  // Each encoding is its own representation, so its own validator.
  const etag = encoding ? `${asset.etag.slice(0, -1)}-${encoding}"` : asset.etag;
  response.setHeader('content-type', asset.type);
  response.setHeader('cache-control', asset.cacheControl);
  response.setHeader('etag', etag);
  if (asset.gzip) response.setHeader('vary', 'accept-encoding');
  if (request.headers['if-none-match'] === etag) {
    response.writeHead(304).end();
    return true;
  }
  if (encoding) response.setHeader('content-encoding', encoding);
  response.setHeader('content-length', body.length);
  response.writeHead(200);
  response.end(request.method === 'HEAD' ? undefined : body);
  return true;
}
