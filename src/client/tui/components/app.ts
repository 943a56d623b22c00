/**
 * The whole screen, top to bottom: title bar, room list beside the message
 * pane, status bar, input line. It re-renders when the model changes or the
 * terminal is resized, and hands every key to the controller.
 */
import { Box, Text, useCursor, useInput, useStdout } from 'ink';
import React, { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { inputRow, roomListRows, roomListWidth, statusRows, titleRow } from '../bar-rows.ts';
import type { TuiController } from '../controller.ts';
import type { RowCache } from '../entry-rows.ts';
import { keyActions } from '../keys.ts';
import type { Theme } from '../theme.ts';
import type { PaneLayout } from '../viewport.ts';
import { MessagePane } from './message-pane.ts';
import { RowLine } from './row.ts';

const h = React.createElement;

/** Below this the layout cannot work; say so instead of drawing garbage. */
const MIN_COLUMNS = 20;
const MIN_ROWS = 5;

export interface AppProps {
  controller: TuiController;
  theme: Theme;
  cache: RowCache;
}

function useTerminalSize(): { columns: number; rows: number } {
  const { stdout } = useStdout();
  const read = () => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
  const [size, setSize] = useState(read);
  useEffect(() => {
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return size;
}

export function App(props: AppProps): React.ReactElement {
  const { controller, theme, cache } = props;
  const model = controller.model;
  // A burst of frames (a history replay, a resume) is one re-render, not hundreds.
  const subscribe = useCallback(
    (listener: () => void) => {
      let queued = false;
      return model.subscribe(() => {
        if (queued) return;
        queued = true;
        setImmediate(() => {
          queued = false;
          listener();
        });
      });
    },
    [model],
  );
  useSyncExternalStore(subscribe, () => model.version);
  const { columns, rows } = useTerminalSize();
  const { stdout } = useStdout();
  const { setCursorPosition } = useCursor();

  const sideWidth = roomListWidth(model, columns);
  const status = statusRows(model, columns, theme, sideWidth === 0);
  const paneHeight = Math.max(1, rows - 2 - status.length);
  const pane: PaneLayout = {
    ctx: { theme, width: Math.max(1, columns - sideWidth) },
    height: paneHeight,
    cache,
  };
  // The key handler sees the latest layout without re-subscribing on every render.
  const paneRef = useRef(pane);
  paneRef.current = pane;
  useInput((input, key) => {
    for (const action of keyActions(input, key)) controller.key(action, paneRef.current);
  });

  const tooSmall = columns < MIN_COLUMNS || rows < MIN_ROWS;
  const input = inputRow(model, controller.input, columns, theme);
  // Ink places the cursor relative to the line below its output; a frame as
  // tall as the terminal (always the case on a TTY) has no line below it.
  const cursorRow = stdout.isTTY ? rows : rows - 1;
  setCursorPosition(tooSmall ? undefined : { x: input.cursorX, y: cursorRow });

  if (tooSmall) {
    return h(Box, { width: columns, height: rows }, h(Text, null, 'natter: terminal too small'));
  }
  const side =
    sideWidth > 0
      ? h(
          Box,
          { flexDirection: 'column', width: sideWidth, height: paneHeight },
          ...roomListRows(model, sideWidth, paneHeight, theme).map((row, i) =>
            h(RowLine, { key: i, row }),
          ),
        )
      : null;
  return h(
    Box,
    { flexDirection: 'column', width: columns, height: rows },
    h(RowLine, { row: titleRow(model, columns, theme) }),
    h(
      Box,
      { flexDirection: 'row', height: paneHeight },
      side,
      h(MessagePane, { conversation: model.shown, layout: pane }),
    ),
    ...status.map((row, i) => h(RowLine, { key: `s${i}`, row })),
    h(RowLine, { row: input.row }),
  );
}
