/**
 * One laid-out row as Ink elements: a <Text> per styled run inside a line
 * that never wraps (the layout already fitted it to the width).
 */
import { Text } from 'ink';
import React from 'react';
import type { Row, Style } from '../styled.ts';

const h = React.createElement;

/** Ink's <Text> props for a style. */
export function textProps(style: Style): Record<string, unknown> {
  return {
    color: style.color,
    bold: style.bold,
    dimColor: style.dim,
    italic: style.italic,
    inverse: style.inverse,
    underline: style.underline,
  };
}

export function RowLine(props: { row: Row }): React.ReactElement {
  const { row } = props;
  // An empty <Text> would collapse to no line at all; a space keeps the row.
  if (row.length === 0) return h(Text, null, ' ');
  return h(
    Text,
    { wrap: 'truncate-end' },
    ...row.map((r, i) => h(Text, { key: i, ...textProps(r.style) }, r.text)),
  );
}
