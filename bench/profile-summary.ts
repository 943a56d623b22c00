/**
 * Summarises a V8 CPU profile (`node --cpu-prof`, or `npm run bench --
 * --server-prof DIR`): the functions with the most self time, and the most
 * inclusive time, with their source location relative to the project.
 * Usage: node bench/profile-summary.ts FILE.cpuprofile [--top 25]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function label(frame: ProfileNode['callFrame']): string {
  const name = frame.functionName || '(anonymous)';
  if (!frame.url) return name;
  let where = frame.url.startsWith('file://') ? fileURLToPath(frame.url) : frame.url;
  if (where.startsWith(ROOT)) where = path.relative(ROOT, where);
  return `${name} ${where}:${frame.lineNumber + 1}`;
}

export function summarise(profile: Profile, top: number): string {
  const totalUs = profile.endTime - profile.startTime;
  const perSampleUs = totalUs / Math.max(1, profile.samples.length);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const subtree = new Map<number, number>();
  const hits = (node: ProfileNode): number => {
    let count = node.hitCount ?? 0;
    for (const child of node.children ?? []) count += hits(byId.get(child)!);
    subtree.set(node.id, count);
    return count;
  };
  hits(profile.nodes[0]!);
  const walk = (node: ProfileNode, onStack: Set<string>) => {
    const key = label(node.callFrame);
    self.set(key, (self.get(key) ?? 0) + (node.hitCount ?? 0));
    const fresh = !onStack.has(key); // recursion counts once
    if (fresh) inclusive.set(key, (inclusive.get(key) ?? 0) + subtree.get(node.id)!);
    if (fresh) onStack.add(key);
    for (const child of node.children ?? []) walk(byId.get(child)!, onStack);
    if (fresh) onStack.delete(key);
  };
  walk(profile.nodes[0]!, new Set());
  const samples = profile.samples.length;
  const table = (map: Map<string, number>) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(
        ([key, count]) =>
          `${((count / samples) * 100).toFixed(1).padStart(5)}%  ${((count * perSampleUs) / 1000).toFixed(0).padStart(7)} ms  ${key}`,
      )
      .join('\n');
  return [
    `${(totalUs / 1e6).toFixed(1)} s profiled, ${samples} samples`,
    '',
    'self time:',
    table(self),
    '',
    'inclusive time:',
    table(inclusive),
  ].join('\n');
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: 'string', default: '25' } },
  });
  for (const file of positionals) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
    process.stdout.write(`${path.basename(file)}\n${summarise(profile, Number(values.top))}\n\n`);
  }
}
