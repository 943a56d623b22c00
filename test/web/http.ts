/** One HTTPS request over the server's port (ALPN http/1.1), with its raw body. */
import type { IncomingHttpHeaders } from 'node:http';
import { request, type RequestOptions } from 'node:https';

export function fetchTls(
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string>; ca?: string } = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  // https passes the TLS options through to tls.connect; its type leaves ALPN out.
  const settings: RequestOptions & { ALPNProtocols: string[] } = {
    host: '127.0.0.1',
    port,
    path,
    method: options.method ?? 'GET',
    headers: options.headers ?? {},
    servername: 'localhost',
    rejectUnauthorized: options.ca !== undefined,
    ...(options.ca !== undefined && { ca: options.ca }),
    ALPNProtocols: ['http/1.1'],
    agent: false,
  };
  return new Promise((resolve, reject) => {
    const req = request(settings, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks),
        }),
      );
      response.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
