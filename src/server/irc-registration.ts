/**
 * IRC registration: CAP negotiation, PASS, NICK, USER and SASL PLAIN, then
 * one natter login. A SASL account logs in under the account's name (in
 * natter the account is the name); PASS is the password of the nick's
 * account. A refused nick gets 432/433 and the client may offer another.
 */
import { NatterError, natterError } from '../protocol/errors.ts';
import type { IrcMessage } from '../protocol/irc-message.ts';
import { ERR, RPL } from '../protocol/irc-numerics.ts';
import { checkName } from '../core/names.ts';
import { sanitizeText } from '../core/sanitize.ts';
import { stripIrcFormatting } from '../protocol/irc-format.ts';
import { allowPasswordAttempt, refundPasswordAttempt } from './account-requests.ts';
import { hostmask, IRC_CAPS, SASL_MAX_BYTES, type IrcConnection } from './irc-state.ts';
import { verifyPassword } from './passwords.ts';

/** SASL payloads arrive in 400-byte pieces; a shorter piece (or `+`) ends one. */
const SASL_CHUNK = 400;
const REALNAME_MAX_CHARS = 100;
/** Refusals after which the client may simply offer another nick. */
const NICK_REFUSALS = new Set(['name_taken', 'name_invalid', 'name_reserved', 'password_required']);

function capList(irc: IrcConnection, withValues: boolean): string {
  return [...IRC_CAPS]
    .map(([name, value]) => (withValues && value !== '' ? `${name}=${value}` : name))
    .join(' ');
}

export function capCommand(irc: IrcConnection, m: IrcMessage): void | Promise<void> {
  const sub = (m.params[0] ?? '').toUpperCase();
  const registered = irc.session.user !== null;
  switch (sub) {
    case 'LS':
      if (!registered) irc.negotiating = true;
      irc.capReply(irc.target, 'LS', capList(irc, Number(m.params[1] ?? 0) >= 302));
      return;
    case 'LIST':
      irc.capReply(irc.target, 'LIST', [...irc.caps].join(' '));
      return;
    case 'REQ': {
      if (!registered) irc.negotiating = true;
      const asked = m.params[1] ?? '';
      const changes = asked.split(' ').filter((c) => c !== '');
      const known = changes.every((c) => IRC_CAPS.has(c.replace(/^-/u, '')));
      if (!known || changes.length === 0) {
        irc.capReply(irc.target, 'NAK', asked);
        return;
      }
      for (const change of changes) {
        if (change.startsWith('-')) irc.caps.delete(change.slice(1));
        else irc.caps.add(change);
      }
      irc.capReply(irc.target, 'ACK', asked);
      return;
    }
    case 'END':
      if (registered) return;
      irc.negotiating = false;
      return tryRegister(irc);
    default:
      irc.numeric('410', sub || '*', 'Invalid CAP command');
  }
}

/** Logs in once NICK and USER are known and no CAP negotiation is open. */
function tryRegister(irc: IrcConnection): void | Promise<void> {
  if (irc.registering || irc.negotiating || irc.nick === null || irc.username === null) return;
  irc.registering = true;
  const name = irc.sasl?.account ?? irc.nick;
  const password = irc.sasl?.password ?? irc.password ?? undefined;
  irc.current = { command: password === undefined ? 'NICK' : 'login', target: name };
  return irc.hub
    .login(irc.session, name, password === undefined ? {} : { password })
    .then((result) => {
      irc.registering = false;
      if (!(result instanceof NatterError) || result.fatal) return;
      const context = { command: NICK_REFUSALS.has(result.code) ? 'NICK' : 'login', target: name };
      irc.current = context;
      irc.hub.reportError(irc.session, result);
      if (NICK_REFUSALS.has(result.code) && irc.sasl === null) {
        irc.nick = null; // the next NICK tries again
        return;
      }
      // A wrong password, or an account nick that cannot be had: nothing else to offer.
      irc.session.close(result.code, { type: 'bye', reason: result.message });
    });
}

function saslFail(irc: IrcConnection, why: string): void {
  irc.numeric(RPL.SASLFAIL, `SASL authentication failed: ${why}`);
}

async function verifyPlain(irc: IrcConnection, payload: string): Promise<void> {
  let fields: string[];
  try {
    const bytes = Buffer.from(payload, 'base64');
    fields = new TextDecoder('utf-8', { fatal: true }).decode(bytes).split('\0');
  } catch {
    return saslFail(irc, 'the PLAIN payload is not UTF-8');
  }
  if (fields.length !== 3) return saslFail(irc, 'the PLAIN payload has three fields');
  const [authzid, authcid, password] = fields as [string, string, string];
  const checked = checkName(authcid);
  if (!checked.ok) return saslFail(irc, `${checked.reason} [${checked.code}]`);
  const asked = checkName(authzid);
  if (authzid !== '' && (!asked.ok || asked.key !== checked.key)) {
    return saslFail(irc, 'natter accounts act only for themselves');
  }
  const hub = irc.hub;
  const account = await hub.store.accounts.getAccount(checked.key);
  if (!account) return saslFail(irc, `${checked.display} is not a registered name`);
  const refused = allowPasswordAttempt(hub, checked.key, irc.session.remoteAddress);
  if (refused) return saslFail(irc, `${refused.message} [${refused.code}]`);
  if (!(await verifyPassword(password, account.passwordHash))) {
    hub.log.info('wrong password', {
      session: irc.session.id,
      address: irc.session.remoteAddress,
      name: checked.display,
      dialect: 'irc',
    });
    return saslFail(irc, `wrong password for ${account.name} [unauthorized]`);
  }
  refundPasswordAttempt(hub, checked.key, irc.session.remoteAddress);
  irc.sasl = { account: account.name, password };
  irc.numeric(
    RPL.LOGGEDIN,
    hostmask(account.name),
    account.name,
    `You are now logged in as ${account.name}`,
  );
  irc.numeric(RPL.SASLSUCCESS, 'SASL authentication successful');
}

export function authenticate(irc: IrcConnection, m: IrcMessage): void | Promise<void> {
  const arg = m.params[0] ?? '';
  if (!irc.has('sasl')) return saslFail(irc, 'request the sasl capability first');
  if (irc.session.user !== null || irc.sasl !== null) {
    irc.numeric(RPL.SASLALREADY, 'You have already authenticated using SASL');
    return;
  }
  if (arg === '*') {
    irc.saslMechanism = null;
    irc.saslBuffer = '';
    irc.numeric(RPL.SASLABORTED, 'SASL authentication aborted');
    return;
  }
  if (irc.saslMechanism === null) {
    if (arg.toUpperCase() !== 'PLAIN') {
      irc.numeric(RPL.SASLMECHS, 'PLAIN', 'are available SASL mechanisms');
      return saslFail(irc, `${arg.slice(0, 20)} is not offered`);
    }
    irc.saslMechanism = 'PLAIN';
    irc.send('AUTHENTICATE +');
    return;
  }
  if (arg !== '+') irc.saslBuffer += arg;
  if (irc.saslBuffer.length > SASL_MAX_BYTES) {
    irc.saslMechanism = null;
    irc.saslBuffer = '';
    irc.numeric(RPL.SASLTOOLONG, 'SASL message too long');
    return;
  }
  if (arg.length === SASL_CHUNK) return; // more pieces follow
  const payload = irc.saslBuffer;
  irc.saslMechanism = null;
  irc.saslBuffer = '';
  return verifyPlain(irc, payload);
}

/** The commands an unregistered connection may send. */
export function registrationCommand(irc: IrcConnection, m: IrcMessage): void | Promise<void> {
  switch (m.command) {
    case 'CAP':
      return capCommand(irc, m);
    case 'AUTHENTICATE':
      return authenticate(irc, m);
    case 'PASS':
      if (m.params[0] === undefined)
        return void irc.numeric(ERR.NEEDMOREPARAMS, 'PASS', 'Not enough parameters');
      irc.password = m.params[0];
      return;
    case 'NICK':
      if (!m.params[0]) return void irc.numeric(ERR.NONICKNAMEGIVEN, 'No nickname given');
      irc.nick = m.params[0];
      return tryRegister(irc);
    case 'USER':
      if (m.params.length < 4)
        return void irc.numeric(ERR.NEEDMOREPARAMS, 'USER', 'Not enough parameters');
      irc.username = m.params[0]!;
      irc.realname = sanitizeText(stripIrcFormatting(m.params[3]!))
        .trim()
        .slice(0, REALNAME_MAX_CHARS);
      return tryRegister(irc);
    case 'PING':
      irc.pong(m.params[0]);
      return;
    case 'PONG':
      return;
    case 'QUIT':
      irc.session.close('quit', { type: 'bye', reason: 'goodbye' });
      return;
    default:
      // A strike, like any malformed line: a client cannot loop here unchecked.
      irc.hub.protocolError(
        irc.session,
        natterError('not_logged_in', 'register first: NICK and USER (and CAP END)'),
      );
  }
}
