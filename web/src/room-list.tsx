/** The room list: a navigation landmark, rooms then private conversations, with unread counts. */
import { useState } from 'preact/hooks';
import type { Chat } from './chat.ts';

export function RoomList({ chat, onPicked }: { chat: Chat; onPicked: () => void }) {
  const [join, setJoin] = useState('');
  const list = chat.list;
  return (
    <nav class="rooms" aria-label="Rooms">
      <ul>
        {list.map((c) => {
          const unread = c.unread > 0 ? `, ${c.unread} unread` : '';
          const mention = c.mentioned ? ', mentioned' : '';
          return (
            <li key={c.key}>
              <button
                type="button"
                class={['room', c.key === chat.view && 'current', c.unread > 0 && 'unread']
                  .filter(Boolean)
                  .join(' ')}
                aria-current={c.key === chat.view ? 'page' : undefined}
                aria-label={`${c.label}${unread}${mention}`}
                onClick={() => {
                  chat.select(c.key);
                  onPicked();
                }}
              >
                <span class="room-name">{c.label}</span>
                {c.unread > 0 && (
                  <span class={c.mentioned ? 'badge mention' : 'badge'} aria-hidden="true">
                    {c.unread}
                    {c.mentioned ? '!' : ''}
                  </span>
                )}
              </button>
            </li>
          );
        })}
      </ul>
      <form
        class="join"
        onSubmit={(event) => {
          event.preventDefault();
          const name = join.trim();
          if (name === '') return;
          chat.submit(`/join ${name.startsWith('#') ? name : `#${name}`}`);
          setJoin('');
          onPicked();
        }}
      >
        <label for="join-room">Join room</label>
        <div class="join-row">
          <input
            id="join-room"
            placeholder="#room"
            autoCapitalize="off"
            spellcheck={false}
            value={join}
            onInput={(e) => setJoin(e.currentTarget.value)}
          />
          <button type="submit">Join</button>
        </div>
      </form>
    </nav>
  );
}
