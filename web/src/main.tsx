/** Entry point of the web client bundle. */
import { render } from 'preact';
import { App } from './app.tsx';
import { Chat } from './chat.ts';
import { trackViewport } from './viewport.ts';

trackViewport();
const chat = new Chat();
chat.resumeSaved();
render(<App chat={chat} />, document.getElementById('app')!);
