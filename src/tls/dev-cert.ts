/**
 * Generates the zero-configuration certificates: a small local CA, made once
 * per data directory, and a server certificate it signs for the names the
 * server is reached by. Clients (and browsers) that trust the CA once keep
 * trusting the server when its names change and its certificate is made
 * anew. ECDSA P-256 throughout: handshakes an order of magnitude cheaper
 * than RSA-2048.
 */
// @peculiar/x509 resolves its algorithms through tsyringe, which needs the
// Reflect metadata API loaded before it.
import 'reflect-metadata';
import { webcrypto, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import * as x509 from '@peculiar/x509';
import type { CertNames } from './cert-names.ts';

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const VALIDITY_DAYS = 825; // the longest validity macOS/iOS accept for TLS server certificates
const CA_VALIDITY_DAYS = 3650;
const DAY_MS = 86_400_000;

export interface GeneratedCert {
  certPem: string;
  keyPem: string;
}

function useWebCrypto(): void {
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
}

async function newKeys(): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALGORITHM, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
}

/** A positive serial: the top bit clear, as RFC 5280 wants. */
function serial(): string {
  return randomBytes(16)
    .toString('hex')
    .replace(/^[89a-f]/u, '7');
}

function validity(days: number): { notBefore: Date; notAfter: Date } {
  const notBefore = new Date(Date.now() - 60_000); // tolerate small clock skew
  return { notBefore, notAfter: new Date(notBefore.getTime() + days * DAY_MS) };
}

function sanExtension(names: CertNames): x509.SubjectAlternativeNameExtension {
  return new x509.SubjectAlternativeNameExtension([
    ...names.dns.map((value) => ({ type: 'dns' as const, value })),
    ...names.ips.map((value) => ({ type: 'ip' as const, value })),
  ]);
}

async function exportKey(key: webcrypto.CryptoKey): Promise<string> {
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', key);
  return toPem(Buffer.from(pkcs8), 'PRIVATE KEY');
}

/** The local CA: may sign server certificates only (pathLen 0), valid ten years. */
export async function generateLocalCa(machine = hostname()): Promise<GeneratedCert> {
  useWebCrypto();
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=natter local CA on ${machine.replace(/[,=+<>#;"\\]/gu, '')}, O=natter`,
    ...validity(CA_VALIDITY_DAYS),
    signingAlgorithm: ALGORITHM,
    keys: keys as never,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as never),
    ],
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: await exportKey(keys.privateKey) };
}

/** A server certificate for exactly these names, signed by the CA (or self-signed without one). */
export async function generateServerCert(
  names: CertNames,
  ca?: GeneratedCert,
): Promise<GeneratedCert> {
  useWebCrypto();
  const keys = await newKeys();
  const subject = `CN=${names.dns[0] ?? 'localhost'}, O=natter`;
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    sanExtension(names),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as never),
  ];
  const common = {
    serialNumber: serial(),
    ...validity(VALIDITY_DAYS),
    signingAlgorithm: ALGORITHM,
  };
  let cert: x509.X509Certificate;
  if (ca) {
    const caCert = new x509.X509Certificate(ca.certPem);
    const caKey = await webcrypto.subtle.importKey(
      'pkcs8',
      fromPem(ca.keyPem),
      { name: 'ECDSA', namedCurve: 'P-256' },
      false,
      ['sign'],
    );
    extensions.push(await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey as never));
    cert = await x509.X509CertificateGenerator.create({
      ...common,
      subject,
      issuer: caCert.subject,
      publicKey: keys.publicKey as never,
      signingKey: caKey as never,
      extensions,
    });
  } else {
    cert = await x509.X509CertificateGenerator.createSelfSigned({
      ...common,
      name: subject,
      keys: keys as never,
      extensions,
    });
  }
  return { certPem: cert.toString('pem') + '\n', keyPem: await exportKey(keys.privateKey) };
}

function toPem(der: Buffer, label: string): string {
  const lines = der.toString('base64').match(/.{1,64}/gu) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

function fromPem(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----/gu, '').replace(/\s+/gu, ''), 'base64');
}

/** A self-signed certificate for localhost, loopback and these host names (tests, bench). */
export async function generateSelfSignedCert(hostNames: string[]): Promise<GeneratedCert> {
  const dns = [...new Set(['localhost', ...hostNames.filter(Boolean)])];
  return generateServerCert({ dns, ips: ['127.0.0.1', '::1'] });
}
