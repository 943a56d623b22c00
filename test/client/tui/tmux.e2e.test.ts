/**
 * The real full-screen client in a real terminal: two `natter chat`
 * processes in tmux (a private tmux server on its own socket) against a
 * real server with real TLS. Keys go in with send-keys, the screen comes
 * back with capture-pane, exactly what a person would see.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { onPath, startTestServer } from '../../helpers/server.ts';
import { MAIN, Tmux } from './tmux-helper.ts';

const run = promisify(execFile);

/** The message pane of a screen: right of the room list, between the title and status bars. */
function pane(screen: string): string[] {
  const rows = screen.split('\n').filter((_, i, all) => i < all.length - 1 || all[i] !== '');
  return rows.slice(1, -2).map((row) => row.slice(row.indexOf('|') + 1));
}

test(
  'two people chat in the full-screen client under tmux: scrollback holds, resize keeps the layout',
  { skip: onPath('tmux') ? false : 'tmux is not installed: the real-terminal test needs it' },
  async (t) => {
    // Pacing is tested elsewhere; here the history should fill quickly.
    const server = await startTestServer({ limits: { floodPerSecond: 1000, floodBurst: 1000 } });
    const home = await mkdtemp(path.join(tmpdir(), 'natter-tui-'));
    const tmux = new Tmux(home);
    t.after(async () => {
      await tmux.kill();
      await server.close();
      await rm(home, { recursive: true, force: true });
    });
    const args = (user: string) => [
      '--port',
      String(server.port),
      '--user',
      user,
      '--ca',
      path.join(server.dataDir, 'certs', 'server.crt'),
    ];

    await tmux.chat('alice', args('alice'));
    await tmux.until('alice', (s) => / online \| alice \| #lobby /u.test(s), 'the status bar');
    await tmux.chat('bob', args('bob'));
    await tmux.until('alice', (s) => s.includes('-- bob joined'), 'bob joining');

    await tmux.type('bob', 'hi alice, 你好 👋');
    await tmux.until(
      'alice',
      (s) => /\d\d:\d\d:\d\d <bob> hi alice, 你好 👋/u.test(s),
      "bob's line",
    );
    await tmux.type('alice', 'hello bob');
    await tmux.until('bob', (s) => /\d\d:\d\d:\d\d <alice> hello bob/u.test(s), "alice's line");

    for (let i = 1; i <= 40; i += 1) await tmux.type('bob', `bob line ${i}`);
    await tmux.until('alice', (s) => s.includes('<bob> bob line 40'), 'the 40th line');

    // Scrolled back, alice keeps reading while bob goes on.
    await tmux.key('alice', 'PageUp');
    const held = await tmux.until('alice', (s) => / MORE /u.test(s), 'the MORE marker');
    await tmux.type('bob', 'alice: still there?');
    const after = await tmux.until('alice', (s) => s.includes('MORE: 1 new'), 'the new count');
    assert.deepEqual(pane(after), pane(held));

    // A smaller terminal: the same message stays at the bottom of the pane.
    // (A narrow pane shows HH:MM instead of HH:MM:SS, so compare what follows the time.)
    const message = (row: string) => row.trim().replace(/^\S+ /u, '');
    const bottom = message(pane(held).at(-1)!);
    await tmux.tmux('resize-window', '-t', '=alice:', '-x', '60', '-y', '20');
    const small = await tmux.until(
      'alice',
      (s) => s.split('\n')[0]!.startsWith(' #lobby') && s.split('\n').length <= 21,
      'the layout at 60x20',
    );
    for (const row of small.split('\n')) assert.ok(row.length <= 60, row);
    assert.equal(message(pane(small).at(-1)!), bottom);
    assert.match(small, / online \| alice \| #lobby \| MORE: 1 new/u);

    await tmux.key('alice', 'PageDown');
    await tmux.key('alice', 'PageDown');
    await tmux.key('alice', 'PageDown');
    await tmux.until('alice', (s) => s.includes('<bob> alice: still there?'), 'the new line');

    // /quit leaves the alternate screen: the shell's screen is back, the UI gone.
    await tmux.type('alice', '/quit');
    const gone = await tmux.until('alice', (s) => s.includes('natter exited with 0'), 'exit 0');
    assert.ok(!gone.includes('| alice |'), gone);
    await tmux.key('bob', 'C-c');
    await tmux.until('bob', (s) => s.includes('natter exited with 0'), 'exit 0 after Ctrl-C');

    // A terminal closing sends SIGHUP: goodbye, terminal restored, exit 0 too.
    if (!onPath('pgrep')) {
      t.diagnostic('pgrep is not installed: the SIGHUP check is skipped');
      return;
    }
    await tmux.chat('carol', args('carol'));
    await tmux.until('carol', (s) => / online \| carol /u.test(s), "carol's status bar");
    const shell = Number(await tmux.tmux('display-message', '-p', '-t', '=carol:', '#{pane_pid}'));
    const { stdout: child } = await run('pgrep', ['-P', String(shell), '-f', MAIN]);
    process.kill(Number(child.trim()), 'SIGHUP');
    const hungUp = await tmux.until(
      'carol',
      (s) => s.includes('natter exited'),
      'exit after SIGHUP',
    );
    assert.match(hungUp, /natter exited with 0/u);
    assert.ok(!hungUp.includes('| carol |'), hungUp);
  },
);
