import { existsSync } from 'node:fs';
import { register } from 'node:module';

let registered = false;

/**
 * Lets task modules outside the project import `dptrain` / `dptrain/tasks` (the running dptrain) and be written
 * in TypeScript (see module-hooks.ts). Registers Node's module hooks once per process, before the first user
 * module is imported; later calls do nothing.
 *
 * @example
 * registerTaskModuleHooks(); await import(pathToFileURL('/elsewhere/my-task.ts').href);
 */
export function registerTaskModuleHooks(): void {
  if (registered) return;
  registered = true;
  const hooks = new URL('./module-hooks.js', import.meta.url);
  // Run from the TypeScript sources (under vitest) there is no compiled hook file, and the runner resolves and
  // transpiles modules itself.
  if (existsSync(hooks)) register(hooks);
}
