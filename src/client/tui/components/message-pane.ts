/** The message pane: exactly `height` rows of the conversation in view. */
import { Box } from 'ink';
import React from 'react';
import type { Conversation } from '../conversation.ts';
import { type PaneLayout, visibleRows } from '../viewport.ts';
import { RowLine } from './row.ts';

const h = React.createElement;

export function MessagePane(props: {
  conversation: Conversation;
  layout: PaneLayout;
}): React.ReactElement {
  const rows = visibleRows(props.conversation, props.layout);
  return h(
    Box,
    { flexDirection: 'column', width: props.layout.ctx.width, height: props.layout.height },
    ...rows.map((row, i) => h(RowLine, { key: i, row })),
  );
}
