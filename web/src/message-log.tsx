/**
 * The message log (role="log"): day separators, the "new messages" line,
 * scroll-back that loads older pages when the reader reaches the top and
 * keeps what they were reading in place, and sticking to the bottom only
 * while the reader is at the bottom.
 */
import type { ComponentChildren } from 'preact';
import { useLayoutEffect, useRef } from 'preact/hooks';
import type { Chat } from './chat.ts';
import type { Conversation, Line, MessageLine } from './conversation.ts';
import { linkify } from './linkify.ts';
import { clock, dayKey, dayLabel } from './time.ts';

/** Within this many pixels of the bottom counts as "at the bottom". */
const BOTTOM_SLACK = 48;
/** Within this many pixels of the top, the next older page is asked for. */
const TOP_SLACK = 120;

function Text({ text }: { text: string }) {
  return (
    <>
      {linkify(text).map((piece, i) =>
        'href' in piece ? (
          <a key={i} href={piece.href} target="_blank" rel="noopener noreferrer">
            {piece.text}
          </a>
        ) : (
          piece.text
        ),
      )}
    </>
  );
}

function Message({
  line,
  chat,
  conversation,
}: {
  line: MessageLine;
  chat: Chat;
  conversation: Conversation;
}) {
  const classes = ['line', 'message'];
  if (line.own) classes.push('own');
  if (line.mention) classes.push('mention');
  if (line.status !== 'stored') classes.push(line.status);
  return (
    <div class={classes.join(' ')} data-key={line.key} data-msg={line.msg ?? undefined}>
      <time class="ts" dateTime={new Date(line.ts).toISOString()}>
        {clock(line.ts)}
      </time>
      {line.action ? (
        <span class="body">
          <span class="from">* {line.from}</span>{' '}
          <span class="text">
            <Text text={line.text} />
          </span>
        </span>
      ) : (
        <span class="body">
          <span class="from">{line.from}</span>{' '}
          <span class="text">
            <Text text={line.text} />
          </span>
        </span>
      )}
      {line.status === 'pending' && <span class="state">sending</span>}
      {line.status === 'failed' && (
        <span class="state failed">
          not sent{line.error ? ` (${line.error})` : ''}{' '}
          <button
            type="button"
            class="retry"
            onClick={() => chat.retry(conversation.key, line.id!)}
          >
            Retry
          </button>
        </span>
      )}
    </div>
  );
}

function render(lines: Line[], conversation: Conversation, chat: Chat): ComponentChildren[] {
  const out: ComponentChildren[] = [];
  let day = '';
  let markerShown = conversation.marker === 0;
  for (const line of lines) {
    const lineDay = dayKey(line.ts);
    if (lineDay !== day) {
      day = lineDay;
      out.push(
        <div key={`day-${line.key}`} class="day" role="separator" aria-label={dayLabel(line.ts)}>
          <span>{dayLabel(line.ts)}</span>
        </div>,
      );
    }
    if (
      !markerShown &&
      line.kind === 'message' &&
      !line.own &&
      line.msg !== null &&
      line.msg > conversation.marker
    ) {
      markerShown = true;
      out.push(
        <div key="new-marker" class="new-marker" role="separator" aria-label="new messages">
          <span>new messages</span>
        </div>,
      );
    }
    out.push(
      line.kind === 'message' ? (
        <Message key={line.key} line={line} chat={chat} conversation={conversation} />
      ) : (
        <div
          key={line.key}
          data-key={line.key}
          class={line.error ? 'line event error' : 'line event'}
        >
          <time class="ts" dateTime={new Date(line.ts).toISOString()}>
            {clock(line.ts)}
          </time>
          <span class="body">{line.text}</span>
        </div>
      ),
    );
  }
  return out;
}

/** The first line whose top is in view, and how far below the top of the view it starts. */
interface Anchor {
  key: string;
  offset: number;
}

function anchorOf(el: HTMLElement): Anchor | null {
  for (const child of Array.from(el.children) as HTMLElement[]) {
    const key = child.dataset.key;
    if (key && child.offsetTop >= el.scrollTop) {
      return { key, offset: child.offsetTop - el.scrollTop };
    }
  }
  return null;
}

function atBottom(el: HTMLElement): boolean {
  return el.scrollHeight - el.scrollTop - el.clientHeight <= BOTTOM_SLACK;
}

export function MessageLog({ chat, conversation }: { chat: Chat; conversation: Conversation }) {
  const ref = useRef<HTMLDivElement>(null);
  // `ours`: the scroll position this component set last, so its own scroll
  // events do not move the anchor the reader chose.
  const memo = useRef<{ key: string; atBottom: boolean; anchor: Anchor | null; ours: number }>({
    key: '',
    atBottom: true,
    anchor: null,
    ours: -1,
  });
  const lines = conversation.lines;

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const m = memo.current;
    let anchor = m.anchor;
    if (m.key !== conversation.key || m.atBottom) {
      // A newly opened conversation starts at its end; a reader at the end stays there.
      el.scrollTop = el.scrollHeight;
      anchor = null;
    } else if (anchor) {
      // Lines were put above (an older page): keep the same line under the reader's eyes.
      const line = el.querySelector<HTMLElement>(`[data-key="${anchor.key}"]`);
      if (line) el.scrollTop = line.offsetTop - anchor.offset;
      else anchor = null;
    }
    memo.current = {
      key: conversation.key,
      atBottom: atBottom(el),
      anchor: anchor ?? anchorOf(el),
      ours: el.scrollTop,
    };
    // Too few lines to scroll: nothing would ever ask for the older ones.
    if (el.scrollHeight <= el.clientHeight && conversation.olderExist && conversation.backfilled) {
      chat.loadOlder();
    }
  });

  const onScroll = () => {
    const el = ref.current;
    if (!el) return;
    if (el.scrollTop === memo.current.ours) return;
    memo.current.ours = -1;
    memo.current.atBottom = atBottom(el);
    memo.current.anchor = anchorOf(el);
    if (el.scrollTop <= TOP_SLACK) chat.loadOlder();
  };

  return (
    <div
      ref={ref}
      class="log"
      role="log"
      aria-label={`Messages in ${conversation.label}`}
      tabIndex={0}
      onScroll={onScroll}
    >
      {conversation.loadingOlder && <div class="loading">loading earlier messages…</div>}
      {!conversation.olderExist && lines.length > 0 && (
        <div class="start">the beginning of {conversation.label}</div>
      )}
      {render(lines, conversation, chat)}
    </div>
  );
}
