import { readFileSync } from 'node:fs';
import type { SchedulerCall } from '../../src/lr/call.js';

/** A Paddle/PyTorch callable as the golden data encodes it. */
export type FnSpec =
  | { fn: 'pow'; base: number }
  | { fn: 'const'; value: number }
  | { fn: 'poly'; total: number; power: number };

export interface SchedulerSpec {
  type: string;
  args: Record<string, unknown>;
}

export interface GoldenCase {
  name: string;
  scheduler: SchedulerSpec;
  steps: number;
  calls?: SchedulerCall[];
  lrs: number[];
  libm: string[];
  restore?: {
    at: number;
    state_dict: Record<string, unknown>;
    matches_uninterrupted: boolean;
    lrs_uninterrupted?: number[];
  };
}

export interface GoldenError {
  name: string;
  scheduler: SchedulerSpec;
  calls?: SchedulerCall[];
  error: string;
  raised_in: 'constructor' | 'step';
  js_distinguishable?: false;
}

export function readFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')) as T;
}

/** The golden data's callable encoding as the expression string a config would hold. */
export function fnExpression(spec: FnSpec): string {
  switch (spec.fn) {
    case 'pow':
      return `${spec.base} ** x`;
    case 'const':
      return `${spec.value}`;
    case 'poly':
      return `(1 - x / ${spec.total}) ** ${spec.power}`;
  }
}

/** A golden `{type, args}` as a dptrain config object (`name` + arguments, nested schedulers converted too). */
export function toConfig(spec: SchedulerSpec): Record<string, unknown> {
  const config: Record<string, unknown> = { name: spec.type };
  for (const [key, value] of Object.entries(spec.args)) {
    if (typeof value === 'object' && value !== null && 'fn' in value)
      config[key] = fnExpression(value as FnSpec);
    else if (typeof value === 'object' && value !== null && 'type' in value)
      config[key] = toConfig(value as SchedulerSpec);
    else config[key] = value;
  }
  return config;
}

/** Equal bit for bit when the formula is pure + − × ÷, else within 1e-12 relative (1e-18 absolute near 0). */
export function closeEnough(actual: number, expected: number, exact: boolean): boolean {
  if (exact) return Object.is(actual, expected) || actual === expected;
  const diff = Math.abs(actual - expected);
  return diff <= 1e-12 * Math.max(Math.abs(actual), Math.abs(expected)) || diff <= 1e-18;
}
