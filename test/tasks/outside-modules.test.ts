import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { dptrain, runDirectoryOf } from '../support/processes.js';

const PROJECT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * A task that trains the built-in synthetic task, imported from `dptrain/tasks` as a module outside the clone
 * would, and records what each worker process was told (its rank and the world size) next to itself.
 */
const JS_TASK = `import { writeFileSync } from 'node:fs';
import { syntheticTask } from 'dptrain/tasks';

const here = new URL('.', import.meta.url);
export default {
  ...syntheticTask,
  name: 'outside-js',
  createModel(options) {
    writeFileSync(new URL(\`model-\${options.rank}.json\`, here), JSON.stringify(options));
    return syntheticTask.createModel(options);
  },
  async loadData(split, options) {
    writeFileSync(new URL(\`data-\${split}-\${options.rank}.json\`, here), JSON.stringify(options));
    return syntheticTask.loadData(split, options);
  },
};
`;

/** The same in TypeScript: type-only imports, an interface and annotations, which Node 20 cannot run as they are. */
const TS_TASK = `import { writeFileSync } from 'node:fs';
import type { LoadDataOptions, ModelOptions, Task } from 'dptrain/tasks';
import { syntheticTask } from 'dptrain/tasks';

interface Seen { readonly rank: number | undefined; readonly worldSize: number | undefined }
const here: URL = new URL('.', import.meta.url);
const record = (name: string, seen: Seen): void => writeFileSync(new URL(name, here), JSON.stringify(seen));

const task: Task = {
  ...syntheticTask,
  name: 'outside-ts',
  createModel(options: ModelOptions) {
    record(\`model-\${options.rank}.json\`, { rank: options.rank, worldSize: options.worldSize });
    return syntheticTask.createModel(options);
  },
};
export default task;
`;

/** A fresh folder under the system's temporary directory, outside the project and with no node_modules. */
async function outside(files: Readonly<Record<string, string>>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dptrain-task-'));
  expect(relative(PROJECT, dir).startsWith('..')).toBe(true);
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

async function json(path: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
}

describe('a task module outside the project', () => {
  it('trains from a .mjs that imports dptrain/tasks, each worker told its rank and the world size', async () => {
    const dir = await outside({ 'task.mjs': JS_TASK });
    const exit = await dptrain([
      'launch',
      '--task',
      join(dir, 'task.mjs'),
      '--workers',
      '2',
      '--steps',
      '3',
      '--out',
      join(dir, 'runs'),
      '--progress',
      'false',
    ]).exited;
    expect(exit.code, exit.stderr).toBe(0);
    expect(existsSync(join(dir, 'node_modules'))).toBe(false);
    const summary = await json(join(runDirectoryOf(exit.stdout), 'summary.json'));
    expect(summary).toMatchObject({ outcome: 'finished', steps: 3, workers: 2 });
    for (const rank of [0, 1]) {
      expect(await json(join(dir, `model-${rank}.json`))).toMatchObject({ seed: 1, rank, worldSize: 2 });
      expect(await json(join(dir, `data-train-${rank}.json`))).toMatchObject({ seed: 1, rank, worldSize: 2 });
    }
    // The launcher counts the examples without a rank: it is not one of the workers.
    expect(existsSync(join(dir, 'model-undefined.json'))).toBe(false);
  });

  it('trains from a .ts, transpiled as it loads', async () => {
    const dir = await outside({ 'task.ts': TS_TASK });
    const exit = await dptrain([
      'launch',
      '--task',
      join(dir, 'task.ts'),
      '--workers',
      '1',
      '--steps',
      '2',
      '--out',
      join(dir, 'runs'),
      '--progress',
      'false',
    ]).exited;
    expect(exit.code, exit.stderr).toBe(0);
    const summary = await json(join(runDirectoryOf(exit.stdout), 'summary.json'));
    expect(summary).toMatchObject({ outcome: 'finished', steps: 2, workers: 1 });
    expect(await json(join(dir, 'model-0.json'))).toEqual({ rank: 0, worldSize: 1 });
  });
});
