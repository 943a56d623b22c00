/**
 * One server, every dialect: an IRC user and a web user talk privately, and
 * both talk in a room with a text-mode user and natter's native protocol.
 * Each sees the others' lines once, with the right sender, and hostile IRC
 * formatting never reaches the browser or the terminal.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IrcClient } from '../irc/helpers.ts';
import { haveChromium, launch, loginAs, openPage, send, webServer } from './browser.ts';

const skip = haveChromium() ? false : 'Debian chromium is not installed (.ci/run installs it)';

test(
  'an IRC user and a web user in a private conversation, and in a room with text and native users',
  { skip },
  async (t) => {
    const h = await webServer(t);
    const browser = await launch(t);
    const { page, errors } = await openPage(browser, h.url);
    await loginAs(page, 'wendy');
    const irc = h.track(await IrcClient.register(h.port, 'ivan'));
    const text = await h.text('tara');
    const native = await h.native('nate');
    const rooms = page.getByRole('navigation', { name: 'Rooms' });

    // Private, both ways.
    irc.send('PRIVMSG wendy :hello from irssi land');
    await rooms.getByRole('button', { name: /^ivan, 1 unread/u }).click();
    await page.getByRole('log').getByText('hello from irssi land').waitFor();
    await send(page, 'hi ivan, from the browser');
    await irc.waitForLine(/^:wendy!wendy@natter PRIVMSG ivan :hi ivan, from the browser$/u);
    assert.ok(!text.lines.some((l) => l.includes('irssi land') || l.includes('from the browser')));
    assert.ok(!native.lines.some((l) => l.includes('irssi land')));

    // A room with everyone: IRC joins #lobby explicitly (no auto-join for IRC guests).
    irc.send('JOIN #lobby');
    await irc.waitForLine(/ 366 ivan #lobby /u);
    await page.getByRole('textbox', { name: 'Message' }).press('Alt+ArrowUp');
    irc.send('PRIVMSG #lobby :\x02bold\x02 \x0304red\x03 and \x1b[31mescaped');
    irc.send('PRIVMSG #lobby :\x01ACTION waves from IRC\x01');
    await text.waitForLine(/#lobby <ivan> bold red and (\[31m)?escaped$/u);
    await text.waitForLine(/#lobby \* ivan waves from IRC$/u);
    const said = await native.waitFor('message', { from: 'ivan', kind: 'me' });
    assert.equal(said.text, 'waves from IRC');
    await page.getByRole('log').getByText('waves from IRC').waitFor();
    await send(page, '/me waves back from the web');
    await irc.waitForLine(
      /^:wendy!wendy@natter PRIVMSG #lobby :\x01ACTION waves back from the web\x01$/u,
    );
    text.write('and tara from a terminal');
    await irc.waitForLine(/^:tara!tara@natter PRIVMSG #lobby :and tara from a terminal$/u);
    await page.getByRole('log').getByText('and tara from a terminal').waitFor();

    // Nothing hostile reached a terminal or the page, and each line came once.
    for (const line of text.lines) assert.doesNotMatch(line, /[\x00-\x08\x0b-\x1f\x7f]/u, line);
    const boldLines = await page
      .getByRole('log')
      .getByText(/bold red/u)
      .count();
    assert.equal(boldLines, 1);
    assert.deepEqual(errors, []);
  },
);
