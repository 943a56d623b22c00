/**
 * The one error type of natter. Every refusal carries a stable string code
 * that travels unchanged in native error frames, text-mode `! code: …` lines
 * and structured logs, so scripts can match on it across dialects.
 */
export const ERROR_CODES = [
  // framing and decoding
  'too_long', // a line/frame over the size limit (fatal to the connection)
  'bad_utf8', // bytes that are not valid UTF-8
  'bad_json', // a line that is not a JSON object
  'bad_frame', // a JSON object with a missing or wrongly typed field
  'too_deep', // JSON nested deeper than the limit, refused before parsing
  'unknown_type', // a frame type this server does not know
  'unknown_command', // a text-mode /command this server does not know
  'bad_arguments', // a text-mode /command with missing or malformed arguments
  // session flow
  'version_unsupported',
  'not_logged_in', // a frame other than hello before login
  'already_logged_in',
  'login_timeout',
  'idle_timeout',
  'replaced', // this session was replaced by a new login of the same device (same token); do not reconnect
  'too_many_sessions', // the account already has as many sessions as the server allows
  // names
  'name_invalid',
  'name_reserved',
  'name_taken',
  // messages and rooms
  'message_too_long',
  'empty_message',
  'no_such_user',
  'room_invalid',
  'no_such_room',
  'not_in_room',
  'already_in_room',
  'too_many_rooms',
  'not_available', // a feature that needs a part of natter not built yet
  // abuse resistance
  'rate_limited',
  'slow_consumer',
  'too_many_connections',
  'busy', // the server is at a capacity limit for this kind of work (password checks): retry soon
  'origin_refused', // a WebSocket upgrade from another site's page (HTTP 403, before the upgrade)
  // accounts and authority
  'unauthorized', // not allowed: wrong password, or an operator command from a non-operator
  'password_required', // the name is registered: hello needs its password
  'password_invalid', // a new password that breaks the rules
  'already_registered',
  'banned',
  'muted',
  // the server
  'shutting_down',
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class NatterError extends Error {
  readonly code: ErrorCode;
  /** Whether the connection that caused this must be closed after reporting it. */
  readonly fatal: boolean;

  constructor(code: ErrorCode, message: string, options: { fatal?: boolean } = {}) {
    super(message);
    this.name = 'NatterError';
    this.code = code;
    this.fatal = options.fatal ?? false;
  }
}

export function natterError(
  code: ErrorCode,
  message: string,
  options?: { fatal?: boolean },
): NatterError {
  return new NatterError(code, message, options);
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}
