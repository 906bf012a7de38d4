import { OptimizerError } from '../errors.js';
import { integer, listOf, mustBe } from '../rules/index.js';
import { Adam } from './adam.js';
import { parseOptimizerConfig } from './config.js';
import { Momentum } from './momentum.js';
import type { Optimizer, OptimizerConfig, ParameterLayout } from './optimizer.js';
import { Sgd } from './sgd.js';

/**
 * Builds the optimizer an `optimizer:` config names, over the flat vector `layout` describes. Config faults
 * are ConfigErrors whose path starts with `path`; a malformed layout is an OptimizerError ERR_OPTIM_ARGUMENT.
 *
 * @example
 * const opt = createOptimizer({ name: 'Momentum', momentum: 0.9, grad_clip: { clip_norm: 1.0 } }, { sizes: [200704, 256] });
 */
export function createOptimizer(
  config: OptimizerConfig,
  layout: ParameterLayout,
  path = 'optimizer',
): Optimizer {
  const spec = parseOptimizerConfig(config, path);
  const sizes = checkLayout(layout);
  switch (spec.name) {
    case 'SGD':
      return new Sgd(spec, sizes);
    case 'Momentum':
      return new Momentum(spec, sizes);
    case 'Adam':
    case 'AdamW':
      return new Adam(spec, sizes);
  }
}

const tensorSizes = listOf(integer(0), 'a list of tensor sizes (integers >= 0) in flat order');

function checkLayout(layout: ParameterLayout): readonly number[] {
  const checked = tensorSizes.check(layout?.sizes);
  if (!checked.ok) {
    throw new OptimizerError('ERR_OPTIM_ARGUMENT', `layout.sizes ${mustBe(checked.allowed, layout?.sizes)}`);
  }
  const sizes = checked.value;
  const names: unknown = layout.names;
  if (names !== undefined && (!Array.isArray(names) || names.length !== sizes.length)) {
    throw new OptimizerError(
      'ERR_OPTIM_ARGUMENT',
      `layout.names must list one name per entry of layout.sizes (${sizes.length}), received ${String(names)}`,
    );
  }
  return Object.freeze([...sizes]);
}
