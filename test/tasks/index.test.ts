import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TaskError } from '../../src/errors.js';
import { BUILTIN_TASKS, loadTask, syntheticTask } from '../../src/tasks/index.js';

const dir = mkdtempSync(join(tmpdir(), 'dptrain-tasks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TASK_SOURCE = `{
  name: 'tiny',
  createModel: () => ({ parameters: [{ name: 'w', shape: [1] }], initialParameters: () => new Float32Array(1), loss() {}, evaluate() {} }),
  loadData: async () => ({ size: 1, inputSize: 1, x: new Float32Array(1), labels: new Int32Array(1), targetSize: 1 }),
}`;

function writeModule(name: string, source: string): string {
  writeFileSync(join(dir, name), source);
  return name;
}

describe('BUILTIN_TASKS', () => {
  it('holds the synthetic task under its name', () => {
    expect(BUILTIN_TASKS['synthetic']).toBe(syntheticTask);
    expect(Object.isFrozen(BUILTIN_TASKS)).toBe(true);
  });
});

describe('loadTask', () => {
  it('resolves a built-in name', async () => {
    expect(await loadTask('synthetic', dir)).toBe(syntheticTask);
  });

  it('imports a module path relative to cwd and takes its default export', async () => {
    const file = writeModule('default-task.mjs', `export default ${TASK_SOURCE};`);
    const task = await loadTask(`./${file}`, dir);
    expect(task.name).toBe('tiny');
    expect((await task.loadData('train', { seed: 1 })).size).toBe(1);
  });

  it('takes a named export `task` when there is no default export', async () => {
    const file = writeModule('named-task.mjs', `export const task = ${TASK_SOURCE};`);
    expect((await loadTask(file, dir)).name).toBe('tiny');
  });

  it('accepts an absolute path', async () => {
    const file = writeModule('absolute-task.mjs', `export default ${TASK_SOURCE};`);
    expect((await loadTask(join(dir, file), '/')).name).toBe('tiny');
  });

  it('refuses a name that is neither built in nor a file, listing the built-in tasks', async () => {
    const error = await loadTask('mnsit', dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskError);
    expect(error).toMatchObject({ code: 'ERR_TASK_NOT_FOUND' });
    expect((error as Error).message).toMatch(/'mnsit'.*synthetic/);
  });

  it('reports a module that throws while importing, with the cause', async () => {
    const file = writeModule('throws.mjs', `throw new Error('boom at import');`);
    const error = await loadTask(file, dir).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_TASK_IMPORT' });
    expect((error as Error).message).toMatch(/boom at import/);
    expect((error as Error).cause).toBeInstanceOf(Error);
  });

  it('names what a module export lacks', async () => {
    const file = writeModule('incomplete.mjs', `export default { name: 'half', createModel() {} };`);
    await expect(loadTask(file, dir)).rejects.toMatchObject({ code: 'ERR_TASK_INVALID' });
    await expect(loadTask(file, dir)).rejects.toThrow(/incomplete\.mjs.*loadData\(\)/);
    const empty = writeModule('empty.mjs', 'export const other = 1;');
    await expect(loadTask(empty, dir)).rejects.toThrow(/must be an object, received undefined/);
  });
});
