/**
 * `natter cert ca`: prints the data directory's local CA certificate (the
 * one that signs the generated server certificate), for clients and
 * browsers to trust once: `natter chat --ca ca.crt`, or import it.
 */
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CA_CERT_FILE, certsDir } from '../tls/server-credentials.ts';
import {
  formatOptionsHelp,
  parseOptions,
  UsageError,
  type OptionSpec,
  DATA_DIR_OPTION,
  HELP_OPTION,
} from './options.ts';

const OPTIONS: readonly OptionSpec[] = [DATA_DIR_OPTION, HELP_OPTION];

const USAGE = `usage: natter cert ca [--data-dir DIR] > natter-ca.crt

Prints the local CA certificate (PEM) that signs the generated server
certificate; its fingerprint and how to use it go to stderr.

${formatOptionsHelp(OPTIONS)}
`;

export async function cert(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseOptions(argv, OPTIONS);
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (positionals[0] !== 'ca' || positionals.length !== 1) throw new UsageError(USAGE);
  const file = path.join(certsDir(values['data-dir'] as string), CA_CERT_FILE);
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    process.stderr.write(
      code === 'ENOENT'
        ? `natter cert: no local CA at ${file}; the server makes one on its first start with a generated certificate (no --cert)\n`
        : `natter cert: cannot read ${file}: ${(error as Error).message}\n`,
    );
    return 1;
  }
  const ca = new X509Certificate(pem);
  process.stdout.write(pem);
  process.stderr.write(
    [
      `${ca.subject.replace(/\n/gu, ', ')}; valid until ${new Date(ca.validTo).toISOString()}`,
      `fingerprint SHA256 ${ca.fingerprint256}`,
      'trust it once: natter chat --ca FILE, curl --cacert FILE, or import it into a browser',
      "(as an authority for websites). natter signs only this server's certificate with it;",
      'keep ca.key private: whoever holds it can make certificates those clients accept.',
      '',
    ].join('\n'),
  );
  return 0;
}
