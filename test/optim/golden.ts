import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { OptimizerConfig, OptimizerState } from '../../src/optim/index.js';

/** One reference trajectory of test/fixtures/optim-golden.json (see /work/shared/optim/SPEC.md §0). */
export interface GoldenCase {
  readonly name: string;
  readonly optimizer: { readonly type: string; readonly args: Readonly<Record<string, unknown>> };
  readonly lrs: readonly number[];
  readonly params0: readonly number[];
  readonly grads: readonly (readonly number[])[];
  readonly params: readonly (readonly number[])[];
  readonly state_after: Readonly<Record<string, readonly number[]>>;
}

const FIXTURE = fileURLToPath(new URL('../fixtures/optim-golden.json', import.meta.url));

/** Every golden case, in file order. */
export const GOLDEN: readonly GoldenCase[] = JSON.parse(readFileSync(FIXTURE, 'utf8'));

/** The golden cases of one optimizer type. */
export function goldenCases(type: string): readonly GoldenCase[] {
  return GOLDEN.filter((c) => c.optimizer.type === type);
}

/** The config a user would write for a golden case: its Paddle args under the optimizer's `name`. */
export function configOf(c: GoldenCase): OptimizerConfig {
  return { name: c.optimizer.type, ...c.optimizer.args };
}

/** A golden number list as float32, refusing values that are not float32-exact (they would hide rounding). */
export function float32(values: readonly number[]): Float32Array {
  for (const v of values) {
    if (Math.fround(v) !== v) throw new Error(`golden value ${v} is not a float32`);
  }
  return Float32Array.from(values);
}

/** The float32 bit patterns, so that -0/+0 and one-ulp differences are visible to `toEqual`. */
export function bits(values: Float32Array): number[] {
  return Array.from(new Uint32Array(values.buffer, values.byteOffset, values.length));
}

/** The state's bit patterns, key by key. */
export function stateBits(state: OptimizerState): Record<string, number[]> {
  return Object.fromEntries(Object.entries(state).map(([k, v]) => [k, bits(v)]));
}
