/**
 * The message box: Enter sends, Shift+Enter starts a new line; each line of
 * a multi-line message is sent as its own message, as in text mode.
 */
import { useRef, useState } from 'preact/hooks';
import type { Chat } from './chat.ts';

export function Composer({ chat }: { chat: Chat }) {
  const [text, setText] = useState('');
  const ref = useRef<HTMLTextAreaElement>(null);
  const view = chat.current;
  const send = () => {
    const lines = text.split('\n').filter((line) => line.trim() !== '');
    if (lines.length === 0) return;
    for (const line of lines) chat.submit(line);
    setText('');
    ref.current?.focus();
  };
  return (
    <form
      class="composer"
      aria-label="Send a message"
      onSubmit={(event) => {
        event.preventDefault();
        send();
      }}
    >
      <textarea
        ref={ref}
        id="message"
        aria-label="Message"
        rows={1}
        placeholder={view ? `Message ${view.label}` : 'Message'}
        enterkeyhint="send"
        value={text}
        onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            send();
          }
        }}
      />
      <button type="submit">Send</button>
    </form>
  );
}
