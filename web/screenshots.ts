/**
 * Takes the screenshots in docs/web.md: a real server in a temporary
 * directory, a short real conversation (a browser, a text-mode client and
 * a native bot), then Chromium at desktop size and at 360 px, light and
 * dark. `npm run screenshots`; needs Debian's chromium.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { NativeClient, startTestServer, TextClient } from '../test/helpers/server.ts';
import { CHROMIUM, CHROMIUM_ARGS } from '../test/web/browser.ts';
import { buildWeb } from './build.ts';

const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const OUT = path.join(ROOT, 'docs', 'images');

interface Scene {
  url: string;
  bob: TextClient;
  carol: NativeClient;
  carolSays(text: string, room?: string): Promise<void>;
  close(): Promise<void>;
}

/** A fresh server with a little history: a topic, a few lines, a second room. */
async function scene(): Promise<Scene> {
  // carol operates the server, so she may set #lobby's topic.
  const test = await startTestServer({
    operators: { carol: 'correct horse battery' },
    serverName: 'chat.example.org',
  });
  const server = test.server;
  const bob = await TextClient.login(server.port, 'bob');
  const carol = await NativeClient.connect(server.port);
  carol.send({ type: 'hello', version: 1, name: 'carol', password: 'correct horse battery' });
  await carol.waitFor('welcome');
  let n = 0;
  const carolSays = async (text: string, room = '#lobby') => {
    const id = `s${++n}`;
    carol.send({ type: 'say', id, text, room });
    await carol.waitFor('ack', { id });
  };
  carol.send({
    type: 'topic',
    room: '#lobby',
    topic: 'release 1.4 on Thursday; staging is frozen',
  });
  await bob.waitForLine(/set the topic/u);
  bob.write('morning all');
  await bob.waitForLine(/<bob> morning all/u);
  await carolSays('morning! coffee first');
  bob.write('/me waves');
  await bob.waitForLine(/\* bob waves/u);
  carol.send({ type: 'join', room: '#dev' });
  await carol.waitFor('who', { room: '#dev' });
  await carolSays('CI is green again after the flaky TLS test fix', '#dev');
  return {
    url: `https://localhost:${server.port}/`,
    bob,
    carol,
    carolSays,
    async close() {
      bob.close();
      carol.close();
      await test.close();
    },
  };
}

async function main(): Promise<void> {
  await buildWeb({ quiet: true });
  await mkdir(OUT, { recursive: true });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  try {
    for (const colorScheme of ['light', 'dark'] as const) {
      for (const [label, width, height] of [
        ['desktop', 1100, 640],
        ['phone', 360, 740],
      ] as const) {
        const { url, bob, carol, carolSays, close } = await scene();
        const context = await browser.newContext({
          ignoreHTTPSErrors: true,
          viewport: { width, height },
          deviceScaleFactor: label === 'phone' ? 2 : 1,
          colorScheme,
        });
        const page = await context.newPage();
        await page.goto(url);
        const me = 'alice';
        await page.getByLabel('Name').fill(me);
        await page.getByRole('button', { name: 'Log in' }).click();
        await page.getByRole('log').getByText('bob waves').waitFor();
        await page.getByRole('textbox', { name: 'Message' }).fill('sure, on my way');
        await page.getByRole('textbox', { name: 'Message' }).press('Enter');
        await page.locator('.message.pending').waitFor({ state: 'detached' });
        bob.write(
          `${me}: are you around for the 1.4 go/no-go at 15:00? notes: https://example.org/1.4`,
        );
        await page.getByRole('log').getByText('go/no-go').waitFor();
        await carolSays('pushing the release notes draft now');
        await page.getByRole('log').getByText('release notes draft').waitFor();
        carol.send({ type: 'msg', id: 'dm1', to: me, text: 'can you review my PR after?' });
        await carol.waitFor('ack', { id: 'dm1' });
        await carolSays('the PR is #1432', '#dev');
        await page.getByRole('textbox', { name: 'Message' }).fill('/me grabs a coffee first');
        await page.screenshot({ path: path.join(OUT, `web-${label}-${colorScheme}.png`) });
        await context.close();
        await close();
      }
    }
  } finally {
    await browser.close();
  }
  process.stdout.write(`screenshots in ${path.relative(process.cwd(), OUT)}/\n`);
}

await main();
