/**
 * IRC text conventions: mIRC formatting codes and CTCP.
 *
 * natter strips IRC formatting once, at entry (docs/irc.md, "Formatting"):
 * every dialect then carries the same plain text, stored once, and nothing
 * an IRC client sends can colour or restyle a terminal or a browser. The
 * sanitiser would drop the control bytes anyway; stripping here also drops
 * the colour numbers that follow `\x03`, which would otherwise stay as text.
 */

const BOLD = '\x02';
const COLOR = '\x03';
const HEX_COLOR = '\x04';
const CTCP = '\x01';

const COLOR_CODE = /\x03(?:\d{1,2}(?:,\d{1,2})?)?/gu;
const HEX_COLOR_CODE = /\x04(?:[0-9a-fA-F]{6}(?:,[0-9a-fA-F]{6})?)?/gu;
// Bold, italics, underline, strikethrough, monospace, reverse, reset.
const TOGGLES = /[\x02\x1d\x1f\x1e\x11\x16\x0f]/gu;

/** Text without IRC formatting codes. */
export function stripIrcFormatting(text: string): string {
  if (!/[\x02\x03\x04\x0f\x11\x16\x1d\x1e\x1f]/u.test(text)) return text;
  return text.replace(COLOR_CODE, '').replace(HEX_COLOR_CODE, '').replace(TOGGLES, '');
}

// Controls (but CTCP's \x01 and TAB), line breaks, C1, and the invisible and
// bidi characters the sanitiser removes from text.
const UNSAFE =
  /[\x00\x02-\x08\x0a-\x1f\x7f-\x9f\u00ad\u061c\u200b\u200e\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/gu;

/**
 * The last guard on every line natter sends to an IRC client: a parameter
 * echoed from a client (a target, a mode letter) can never carry a control
 * character or a line break into the reply. Text was sanitised on entry, so
 * this only ever removes something from echoed input.
 */
export function ircSafe(line: string): string {
  UNSAFE.lastIndex = 0;
  return UNSAFE.test(line) ? line.replace(UNSAFE, '') : line;
}

export type CtcpParse =
  | { kind: 'text'; text: string }
  | { kind: 'action'; text: string }
  | { kind: 'ctcp'; command: string; text: string };

/** Splits a PRIVMSG/NOTICE text into plain text, an ACTION, or another CTCP request. */
export function parseCtcp(text: string): CtcpParse {
  if (!text.startsWith(CTCP)) return { kind: 'text', text };
  const body = text.endsWith(CTCP) && text.length > 1 ? text.slice(1, -1) : text.slice(1);
  const space = body.indexOf(' ');
  const command = (space === -1 ? body : body.slice(0, space)).toUpperCase();
  const rest = space === -1 ? '' : body.slice(space + 1);
  if (command === 'ACTION') return { kind: 'action', text: rest };
  return { kind: 'ctcp', command, text: rest };
}

export function ctcpAction(text: string): string {
  return `${CTCP}ACTION ${text}${CTCP}`;
}

/** Exported for tests: the codes this module knows. */
export const IRC_FORMAT_CODES = { BOLD, COLOR, HEX_COLOR, CTCP } as const;
