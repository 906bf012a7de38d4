/**
 * Node module hooks for task modules, registered by `registerTaskModuleHooks` and run on Node's loader thread:
 * - `dptrain` and `dptrain/…` resolve to the running dptrain, wherever the importing module lies, so a task
 *   outside the clone needs no install of its own (and shares the classes of the dptrain that runs it);
 * - a `.ts` / `.mts` module is transpiled to JavaScript as it loads (types stripped by esbuild, nothing checked),
 *   and a relative `./x.js` written in TypeScript's style finds `./x.ts` when there is no `./x.js`.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { LoadHook, ResolveHook } from 'node:module';
import { fileURLToPath } from 'node:url';

/** A module inside this package: `dptrain/…` resolved from here is the package's own export (self-reference). */
const INSIDE = import.meta.url;
const TYPESCRIPT = /\.m?ts$/;

/** The part of esbuild's API used here; esbuild is loaded only once a `.ts` module needs it. */
interface Esbuild {
  transform(source: string, options: Readonly<Record<string, unknown>>): Promise<{ readonly code: string }>;
}

let esbuild: Promise<Esbuild> | undefined;

export const resolve: ResolveHook = async (specifier, context, nextResolve) => {
  if (specifier === 'dptrain' || specifier.startsWith('dptrain/'))
    return nextResolve(specifier, { ...context, parentURL: INSIDE });
  const parent = context.parentURL;
  if (parent !== undefined && TYPESCRIPT.test(parent) && /^\.\.?\/.*\.(m?)js$/.test(specifier)) {
    const written = new URL(specifier, parent);
    const typescript = new URL(written.href.replace(/js$/, 'ts'));
    if (!existsSync(written) && existsSync(typescript)) return nextResolve(typescript.href, context);
  }
  return nextResolve(specifier, context);
};

export const load: LoadHook = async (url, context, nextLoad) => {
  if (!url.startsWith('file:') || !TYPESCRIPT.test(url)) return nextLoad(url, context);
  const path = fileURLToPath(url);
  const { code } = await (await loadEsbuild()).transform(await readFile(path, 'utf8'), {
    loader: 'ts',
    format: 'esm',
    target: 'node20',
    sourcefile: path,
    sourcemap: 'inline',
  });
  return { format: 'module', source: code, shortCircuit: true };
};

function loadEsbuild(): Promise<Esbuild> {
  // A name in a variable: the type checker does not need esbuild, only a `.ts` task at run time does.
  const name = 'esbuild';
  esbuild ??= (import(name) as Promise<Esbuild>).catch((error: unknown) => {
    throw new Error(
      `a .ts task module is transpiled with esbuild, which could not be loaded (${error instanceof Error ? error.message : String(error)}); ` +
        'reinstall dptrain with its dependencies, or compile the task to .js (tsc) and give that file',
      { cause: error },
    );
  });
  return esbuild;
}
