/** Tasks: the Task/Model interface users implement, the built-in tasks and the loader for user modules. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TaskError } from '../errors.js';
import { mnistTask } from './mnist.js';
import { registerTaskModuleHooks } from './outside-modules.js';
import { syntheticTask } from './synthetic.js';
import { checkTask, type Task } from './task.js';

export {
  DENSE_FORMS,
  type DenseForm,
  type DenseOptions,
  dense,
  fastDense,
  plainDense,
  prefersFastDense,
} from './dense.js';
export { createMlp, type MlpOptions, mlpParameters } from './mlp.js';
export {
  type IdxImages,
  loadMnist,
  MNIST,
  MNIST_FILES,
  mnistDataDir,
  mnistSize,
  mnistTask,
  readIdxImages,
  readIdxLabels,
} from './mnist.js';
export { glorotUniform, mixSeed, Random } from './random.js';
export { generateSynthetic, SYNTHETIC, syntheticTask } from './synthetic.js';
export {
  checkModel,
  checkTask,
  type Dataset,
  type LoadDataOptions,
  type Model,
  type ModelOptions,
  type ParameterSpec,
  parameterCount,
  type RankOptions,
  type Task,
  type Tf,
  tensorSize,
} from './task.js';

/**
 * The tasks that ship with dptrain, by name.
 *
 * @example
 * BUILTIN_TASKS['synthetic']?.createModel({ seed: 1 });
 */
export const BUILTIN_TASKS: Readonly<Record<string, Task>> = Object.freeze({
  'mnist-mlp': mnistTask,
  synthetic: syntheticTask,
});

function hasCreateModel(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'createModel' in value;
}

/**
 * Resolves a task: a built-in name (see {@link BUILTIN_TASKS}), or the path of an ES module (relative to
 * `cwd`) whose default export, or named export `task`, implements {@link Task}. The module may lie anywhere:
 * its `dptrain` / `dptrain/tasks` imports resolve to the running dptrain, and a `.ts` module is transpiled as
 * it loads (see registerTaskModuleHooks). Throws a TaskError: ERR_TASK_NOT_FOUND (neither a built-in name nor an
 * existing file), ERR_TASK_IMPORT (importing the module threw; `cause` holds the error) or ERR_TASK_INVALID
 * (the export lacks members; the message lists them).
 *
 * @example
 * const task = await loadTask('./tasks/my-task.mjs', process.cwd());
 */
export async function loadTask(nameOrPath: string, cwd: string = process.cwd()): Promise<Task> {
  const builtin = Object.hasOwn(BUILTIN_TASKS, nameOrPath) ? BUILTIN_TASKS[nameOrPath] : undefined;
  if (builtin !== undefined) return builtin;
  const file = resolve(cwd, nameOrPath);
  if (!existsSync(file)) {
    throw new TaskError(
      'ERR_TASK_NOT_FOUND',
      `task '${nameOrPath}' is neither a built-in task (${Object.keys(BUILTIN_TASKS).join(', ')}) nor an existing module file (looked for ${file}); give a built-in name or the path of a .js, .mjs or .ts module`,
    );
  }
  let module: { default?: unknown; task?: unknown };
  registerTaskModuleHooks();
  try {
    module = (await import(pathToFileURL(file).href)) as { default?: unknown; task?: unknown };
  } catch (error) {
    throw new TaskError(
      'ERR_TASK_IMPORT',
      `task module ${file} failed to import: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  const exported = hasCreateModel(module.default) ? module.default : (module.task ?? module.default);
  checkTask(exported, `task module ${file} (its default export or export 'task')`);
  return exported;
}
