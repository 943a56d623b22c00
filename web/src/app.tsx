/** The page: login, or the chat (header, room list, log, message box) and the help dialog. */
import { useEffect, useReducer, useRef, useState } from 'preact/hooks';
import { Chat } from './chat.ts';
import { HELP } from './commands.ts';
import { Composer } from './composer.tsx';
import { Login } from './login.tsx';
import { MessageLog } from './message-log.tsx';
import { notificationsAllowed, requestNotifications } from './notify.ts';
import { RoomList } from './room-list.tsx';

function HelpDialog({ chat }: { chat: Chat }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (chat.helpOpen && !dialog.open) dialog.showModal();
    if (!chat.helpOpen && dialog.open) dialog.close();
  });
  return (
    <dialog ref={ref} class="help" aria-label="Help" onClose={() => chat.setHelp(false)}>
      <h2>Commands and keys</h2>
      <ul>
        {HELP.map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>
      <form method="dialog">
        <button type="submit">Close</button>
      </form>
    </dialog>
  );
}

function Header({
  chat,
  roomsOpen,
  toggleRooms,
}: {
  chat: Chat;
  roomsOpen: boolean;
  toggleRooms: () => void;
}) {
  const view = chat.current;
  const unread = chat.list.reduce((n, c) => n + (c.key === chat.view ? 0 : c.unread), 0);
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  return (
    <header class="top">
      <button
        type="button"
        class="rooms-toggle"
        aria-expanded={roomsOpen}
        aria-controls="rooms-panel"
        onClick={toggleRooms}
      >
        Rooms{unread > 0 ? ` (${unread})` : ''}
      </button>
      <div class="title">
        <h1>{view?.label ?? 'natter'}</h1>
        {view?.topic && <p class="topic">{view.topic}</p>}
      </div>
      <p class={`status ${chat.status}`} role="status">
        {chat.status === 'online' ? `${chat.me} · ${chat.server}` : chat.statusDetail}
      </p>
      <div class="actions">
        {!notificationsAllowed() && typeof Notification !== 'undefined' && (
          <button
            type="button"
            onClick={() => void requestNotifications().then(() => rerender(undefined))}
          >
            Notify me
          </button>
        )}
        <button type="button" onClick={() => chat.setHelp(true)}>
          Help
        </button>
        <button type="button" onClick={() => chat.logout()}>
          Log out
        </button>
      </div>
    </header>
  );
}

export function App({ chat }: { chat: Chat }) {
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const [roomsOpen, setRoomsOpen] = useState(false);
  useEffect(() => chat.subscribe(() => rerender(undefined)), [chat]);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.altKey && (event.key === 'ArrowUp' || event.key === 'ArrowDown')) {
        event.preventDefault();
        chat.cycle(event.key === 'ArrowUp' ? -1 : 1);
      } else if (event.key === 'Escape' && roomsOpen) {
        setRoomsOpen(false);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [chat, roomsOpen]);

  if (chat.phase === 'login') return <Login chat={chat} />;
  const view = chat.current;
  return (
    <div class={roomsOpen ? 'shell rooms-open' : 'shell'}>
      <Header chat={chat} roomsOpen={roomsOpen} toggleRooms={() => setRoomsOpen(!roomsOpen)} />
      <div id="rooms-panel" class="side">
        <RoomList chat={chat} onPicked={() => setRoomsOpen(false)} />
      </div>
      <main class="main">
        {view ? (
          <MessageLog key={view.key} chat={chat} conversation={view} />
        ) : (
          <div class="log empty" />
        )}
        <Composer chat={chat} />
      </main>
      <HelpDialog chat={chat} />
    </div>
  );
}
