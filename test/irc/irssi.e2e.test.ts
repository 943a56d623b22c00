/**
 * A real IRC client: irssi in tmux (a private tmux server on its own
 * socket), connecting with TLS to natter's one port — detected as IRC —
 * logging in to an account with SASL PLAIN, joining, and chatting both ways
 * with a text-mode client and a native client, /me and private messages
 * included. The screen is read back with capture-pane, as a person sees it.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import type { MessageEvent } from '../../src/protocol/frames.ts';
import { onPath } from '../helpers/server.ts';
import { ircServer } from './helpers.ts';

const run = promisify(execFile);
const WAIT_MS = 15_000;
const SKIP =
  !onPath('irssi') || !onPath('tmux')
    ? 'irssi and tmux are needed (Debian packages irssi, tmux; .ci/run installs them)'
    : false;

class Terminal {
  readonly socket = `natter-irssi-${randomBytes(4).toString('hex')}`;
  readonly home: string;

  constructor(home: string) {
    this.home = home;
  }

  tmux(...args: string[]): Promise<string> {
    return run('tmux', ['-u', '-L', this.socket, '-f', '/dev/null', ...args], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: this.home,
        LANG: 'C.UTF-8',
        TERM: 'xterm-256color',
      },
    }).then((r) => r.stdout);
  }

  async type(text: string): Promise<void> {
    await this.tmux('send-keys', '-t', '=irssi:', '-l', text);
    await this.tmux('send-keys', '-t', '=irssi:', 'Enter');
  }

  async until(check: RegExp, what: string): Promise<string> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const screen = await this.tmux('capture-pane', '-p', '-t', '=irssi:');
      if (check.test(screen)) return screen;
      if (Date.now() > deadline) throw new Error(`irssi never showed ${what}:\n${screen}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async kill(): Promise<void> {
    const socket = await this.tmux('display-message', '-p', '#{socket_path}').catch(() => '');
    await this.tmux('kill-server').catch(() => {});
    if (socket.trim() !== '') await rm(socket.trim(), { force: true });
  }
}

/** irssi's configuration: the server with TLS (a self-signed test certificate) and SASL PLAIN. */
function irssiConfig(port: number): string {
  return `servers = (
  { address = "127.0.0.1"; chatnet = "natter"; port = "${port}"; use_tls = "yes"; tls_verify = "no"; autoconnect = "yes"; }
);
chatnets = {
  natter = { type = "IRC"; sasl_mechanism = "PLAIN"; sasl_username = "irssiuser"; sasl_password = "irssi password 1"; };
};
settings = {
  core = { real_name = "Irssi User"; user_name = "irssiuser"; nick = "irssiuser"; };
  "fe-common/core" = { theme = "default"; };
};
`;
}

test(
  'irssi connects with TLS and SASL, joins, and chats with text-mode and native clients',
  { skip: SKIP },
  async (t) => {
    const h = await ircServer(t);
    await h.account('irssiuser', 'irssi password 1');
    const home = await mkdtemp(path.join(tmpdir(), 'natter-irssi-'));
    const term = new Terminal(home);
    t.after(async () => {
      await term.kill();
      await rm(home, { recursive: true, force: true });
    });
    await writeFile(path.join(home, 'config'), irssiConfig(h.port));
    const command = `irssi --home=${home} --config=${path.join(home, 'config')}; sleep 600`;
    await term.tmux('new-session', '-d', '-x', '120', '-y', '40', '-s', 'irssi', command);

    // SASL: irssi reports the account login, then the welcome burst.
    await term.until(/Welcome to natter, irssiuser!irssiuser@natter/u, 'the 001 welcome');
    const native = await h.native('nativeuser');
    const text = await h.text('textuser');
    await term.type('/join #lobby');
    await term.until(/irssiuser \S* has joined #lobby|Join to #lobby was synced/u, 'the join');
    await text.waitForLine(/-- irssiuser joined$/u);
    const whois = await h.irc('checker');
    whois.send('WHOIS irssiuser');
    await whois.waitForLine(/ 330 checker irssiuser irssiuser :is logged in as$/u);

    // irssi -> text mode and native.
    await term.type('hello from irssi');
    await text.waitForLine(/#lobby <irssiuser> hello from irssi$/u);
    assert.equal((await native.waitFor('message', { from: 'irssiuser' })).text, 'hello from irssi');
    await term.type('/me waves from irssi');
    await text.waitForLine(/#lobby \* irssiuser waves from irssi$/u);
    assert.equal((await native.waitFor('message', { kind: 'me' })).text, 'waves from irssi');

    // text mode and native -> irssi.
    text.write('hi irssi, from text mode');
    await term.until(/<\s*textuser> hi irssi, from text mode/u, "text mode's line");
    native.send({ type: 'say', id: native.newId(), room: '#lobby', text: 'hi irssi, from native' });
    await term.until(/<\s*nativeuser> hi irssi, from native/u, "the native client's line");
    text.write('/me nods');
    await term.until(/\* textuser nods/u, "text mode's action");

    // Private messages both ways.
    await term.type('/msg nativeuser a private word');
    const dm = (await native.waitFor('message', { from: 'irssiuser' })) as MessageEvent;
    assert.equal(dm.to, 'nativeuser');
    assert.equal(dm.text, 'a private word');
    native.send({ type: 'msg', id: native.newId(), to: 'irssiuser', text: 'a private answer' });
    await term.type('/query nativeuser');
    await term.until(/<\s*nativeuser> a private answer/u, 'the private answer');
    text.write('/msg irssiuser psst from text');
    await term.type('/query textuser');
    await term.until(/<\s*textuser> psst from text/u, "text mode's private message");
  },
);
