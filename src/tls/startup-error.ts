/**
 * A start-up (or reload) failure a person can act on: a stable code for logs
 * and tests, and a message that names the flag, the file or the port and
 * says what to do. Never a bare ENOENT or EADDRINUSE.
 */
export type StartupCode =
  | 'port_in_use'
  | 'port_privileged'
  | 'address_unavailable'
  | 'cert_missing'
  | 'cert_unreadable'
  | 'cert_invalid'
  | 'cert_expired'
  | 'cert_not_yet_valid'
  | 'key_missing'
  | 'key_unreadable'
  | 'key_invalid'
  | 'key_mismatch'
  | 'cert_flags'
  | 'data_dir_in_use'
  | 'admin_socket';

export class StartupError extends Error {
  readonly code: StartupCode;

  constructor(code: StartupCode, message: string) {
    super(message);
    this.name = 'StartupError';
    this.code = code;
  }
}
