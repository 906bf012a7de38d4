import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

/**
 * Multi-process tests start `dist/cli/main.js`: build it first so they never run stale code (incremental,
 * so an unchanged tree costs about a second).
 */
export default function setup(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}
