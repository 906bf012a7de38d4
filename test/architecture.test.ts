import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The house rules of src/, read from the import statements themselves: each part is used through its
 * index.ts, and each part imports only the parts below it or beside it as listed here (the layering of
 * STYLE's "house we mean to build"). A new import that runs back up, or that reaches into another part's
 * files, fails this test.
 */
const SRC = resolve(import.meta.dirname, '../src');

/** Files at the root of src/ that every part may use. */
const ROOT_FILES = ['errors', 'describe', 'key-path'];

/** Part -> the parts it may import (ROOT_FILES are always allowed). `cli` sits on top and may use all. */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  rules: [],
  lr: ['rules'],
  // Paddle's application config dialects, translated into lr/optimizer configs
  dialects: ['lr'],
  optim: ['rules'],
  protocol: ['rules'],
  arrivals: ['protocol'],
  plot: [],
  tasks: [],
  sharding: ['tasks'],
  log: [],
  transport: ['log', 'protocol'],
  config: ['dialects', 'rules', 'lr', 'optim', 'sharding'],
  coordinator: ['arrivals', 'log', 'lr', 'optim', 'protocol', 'rules', 'sharding', 'transport'],
  worker: ['log', 'optim', 'protocol', 'sharding', 'tasks', 'transport'],
  launch: ['log', 'netsim'],
  // the delaying TCP relay behind dptrain netsim: sockets and timers only
  netsim: [],
  // checkpoint files: bytes, node:fs and node:crypto; the run state's shape is written out, not imported
  checkpoint: [],
  'run-directory': ['arrivals', 'coordinator', 'plot'],
  // bench train's ceiling trains the default run in one process: the run config, schedule, optimizer and worker
  bench: ['config', 'coordinator', 'log', 'lr', 'optim', 'protocol', 'tasks', 'transport', 'worker'],
  // re-executes an async run from its arrivals.jsonl in one process
  replay: ['arrivals', 'config', 'coordinator', 'lr', 'optim', 'protocol', 'sharding', 'tasks', 'worker'],
  // src/index.ts, the package's front door
  index: ['lr', 'optim'],
};

interface Import {
  readonly from: string;
  readonly to: string;
  readonly specifier: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

function imports(): Import[] {
  const found: Import[] = [];
  const pattern = /(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g;
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(pattern)) {
      const specifier = match[1]!;
      const target = resolve(dirname(file), specifier.replace(/\.js$/, '.ts'));
      found.push({ from: relative(SRC, file), to: relative(SRC, target), specifier });
    }
  }
  return found;
}

/** `lr/torch/step-lr.ts` -> `lr`; `errors.ts` -> `errors`; `index.ts` -> `index`. */
function partOf(path: string): string {
  const [first, ...rest] = path.split(sep);
  return rest.length === 0 ? first!.replace(/\.ts$/, '') : first!;
}

describe('the layout of src/', () => {
  const all = imports();

  it('reads a sensible number of imports (the scanner works)', () => {
    expect(all.length).toBeGreaterThan(200);
    expect(all.some((i) => i.from === join('coordinator', 'coordinator.ts'))).toBe(true);
  });

  it('uses every other part through its index.ts', () => {
    const bypassing = all.filter((i) => {
      const from = partOf(i.from);
      const to = partOf(i.to);
      if (from === to || ROOT_FILES.includes(to)) return false;
      return i.to !== join(to, 'index.ts');
    });
    expect(bypassing.map((i) => `${i.from} imports ${i.specifier}`)).toEqual([]);
  });

  it('imports only the parts below or beside each part (nothing runs back up)', () => {
    const known = new Set([...Object.keys(ALLOWED), ...ROOT_FILES, 'cli']);
    const parts = new Set(all.flatMap((i) => [partOf(i.from), partOf(i.to)]));
    expect([...parts].filter((p) => !known.has(p))).toEqual([]);
    const wrong = all.filter((i) => {
      const from = partOf(i.from);
      const to = partOf(i.to);
      if (from === to || from === 'cli' || ROOT_FILES.includes(to)) return false;
      if (ROOT_FILES.includes(from)) return true;
      return !(ALLOWED[from] ?? []).includes(to);
    });
    expect(wrong.map((i) => `${i.from} imports ${i.specifier}`)).toEqual([]);
  });
});
