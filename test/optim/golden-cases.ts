import { expect, it } from 'vitest';
import { createOptimizer } from '../../src/optim/index.js';
import { bits, configOf, float32, type GoldenCase, goldenCases, stateBits } from './golden.js';

/**
 * Registers one test per golden case of `type`: all 20 steps and the final state, bit for bit. The single
 * tensor of 7 floats is the layout (the ClipGradByNorm case is per tensor, so with one tensor it is the whole vector).
 */
export function itMatchesGolden(type: string): void {
  const cases = goldenCases(type);
  it(`the golden file has ${type} cases`, () => {
    expect(cases.length).toBeGreaterThan(0);
  });
  it.each(cases.map((c) => [c.name, c] as const))('matches golden %s bit for bit at every step', (_, c) => {
    checkCase(c);
  });
}

function checkCase(c: GoldenCase): void {
  const optimizer = createOptimizer(configOf(c), { sizes: [c.params0.length] });
  const params = float32(c.params0);
  c.grads.forEach((grad, t) => {
    optimizer.step(params, float32(grad), c.lrs[t]!);
    expect(bits(params), `${c.name}, params after step ${t + 1}`).toEqual(bits(float32(c.params[t]!)));
  });
  const expected = Object.fromEntries(Object.entries(c.state_after).map(([k, v]) => [k, bits(float32(v))]));
  expect(stateBits(optimizer.stateDict())).toEqual(expected);
}
