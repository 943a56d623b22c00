/**
 * The full-screen app mounted on an injected terminal, driven by a real
 * connection manager whose "server" is the test (ScriptedServer): keys go in
 * through stdin as a terminal sends them, frames come from the script, and
 * what Ink draws is read back from the fake stdout.
 */
import { render } from 'ink';
import React from 'react';
import { ChatModel } from '../../../src/client/tui/chat-model.ts';
import { App } from '../../../src/client/tui/components/app.ts';
import { TuiController } from '../../../src/client/tui/controller.ts';
import { RowCache } from '../../../src/client/tui/entry-rows.ts';
import { createTheme } from '../../../src/client/tui/theme.ts';
import { setup, welcome } from '../scripted-transport.ts';
import { FakeStdin, FakeStdout, settle } from './fake-terminal.ts';

export const TS = Date.UTC(2025, 0, 2, 3, 4, 5);

export async function mount(
  t: { after(fn: () => unknown): void },
  options: { columns?: number; rows?: number; bell?: boolean; pasteAsOne?: boolean } = {},
) {
  const { server, connection } = setup(t, 'alice');
  const model = new ChatModel({ name: 'alice', peer: 'scripted:7447' });
  const bells: number[] = [];
  const controller = new TuiController(model, {
    bell: options.bell ?? true,
    pasteAsOne: options.pasteAsOne ?? false,
    ackTimeoutMs: 1000,
    ringBell: () => bells.push(Date.now()),
    ignoreFile: null, // never the real user's list
  });
  const stdout = new FakeStdout(options.columns ?? 80, options.rows ?? 16);
  const stdin = new FakeStdin();
  const instance = render(
    React.createElement(App, { controller, theme: createTheme(false), cache: new RowCache() }),
    {
      stdout: stdout as unknown as NodeJS.WriteStream,
      stdin: stdin as unknown as NodeJS.ReadStream,
      debug: true, // every frame written whole: the last write is the screen
      exitOnCtrlC: false,
      patchConsole: false,
    },
  );
  t.after(() => instance.unmount());
  controller.session.attach(connection, 'scripted:7447');
  connection.start();
  const link = await server.link(1);
  await link.next('hello');
  link.reply(
    welcome('alice'),
    { type: 'join', room: '#lobby', name: 'alice', ts: TS },
    { type: 'who', room: '#lobby', users: ['alice', 'bob'] },
  );
  await settle();
  return { server, connection, model, controller, stdout, stdin, link, bells, instance };
}
