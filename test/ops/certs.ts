/** Certificates for tests: valid, expired, and pairs written to files. */
import 'reflect-metadata';
import { randomBytes, webcrypto } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as x509 from '@peculiar/x509';
import { generateSelfSignedCert, type GeneratedCert } from '../../src/tls/dev-cert.ts';

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** A self-signed localhost certificate valid between the two dates. */
export async function certValidBetween(notBefore: Date, notAfter: Date): Promise<GeneratedCert> {
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01' + randomBytes(8).toString('hex'),
    name: 'CN=localhost',
    notBefore,
    notAfter,
    signingAlgorithm: ALGORITHM,
    keys: keys as never,
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'localhost' }])],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const body = pkcs8
    .toString('base64')
    .match(/.{1,64}/gu)!
    .join('\n');
  return {
    certPem: cert.toString('pem') + '\n',
    keyPem: `-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\n`,
  };
}

/** Writes a fresh localhost pair as NAME.crt / NAME.key (0600) in dir. */
export async function writePair(
  dir: string,
  name: string,
  pair?: GeneratedCert,
): Promise<{ cert: string; key: string; pair: GeneratedCert }> {
  const made = pair ?? (await generateSelfSignedCert([]));
  const cert = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  await writeFile(cert, made.certPem);
  await writeFile(key, made.keyPem, { mode: 0o600 });
  return { cert, key, pair: made };
}
