import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from './task.js';

/**
 * Which gradient a dense layer uses: 'fast' = a custom gradient whose matMuls all have untransposed
 * operands, 'plain' = TensorFlow.js' built-in matMul gradient, 'auto' = fast on wasm, plain elsewhere.
 */
export type DenseForm = 'auto' | 'fast' | 'plain';

/** The accepted {@link DenseForm} values, for option parsers. */
export const DENSE_FORMS: readonly DenseForm[] = ['auto', 'fast', 'plain'];

/** Options of {@link dense} and {@link fastDense}. */
export interface DenseOptions {
  /** Gradient form; default 'auto'. */
  readonly form?: DenseForm;
  /**
   * Set when `x` depends on nothing being differentiated (the input batch of the first layer): the fast
   * form then skips the input gradient `dy · wᵀ`, the largest matMul of a 784-wide first layer. If `x`
   * does depend on the parameters, gradients through it are silently dropped, so leave it unset there.
   */
  readonly constantInput?: boolean;
}

type DenseFn = (x: tfjs.Tensor2D, w: tfjs.Tensor2D, b: tfjs.Tensor1D) => tfjs.Tensor2D;

/** One customGrad function per tf namespace (tfjs and tfjs-node have separate engines). */
const fastDenseByTf = new WeakMap<Tf, DenseFn>();

/**
 * `x · w + b` with TensorFlow.js' built-in gradients.
 *
 * @example
 * plainDense(tf, x, w, b); // x [batch, in], w [in, out], b [out] → [batch, out]
 */
export function plainDense(tf: Tf, x: tfjs.Tensor2D, w: tfjs.Tensor2D, b: tfjs.Tensor1D): tfjs.Tensor2D {
  return tf.add(tf.matMul(x, w), b);
}

// The wasm backend runs its fast matmul only when neither operand is transposed, while the built-in
// matMul gradient passes transposed operands (dx = dy·wᵀ, dw = xᵀ·dy): transposing explicitly first
// makes a 784-256-128-10 step ~6x faster there (FACTS.md). Same values: only the summation order may differ.
function buildFastDense(tf: Tf): DenseFn {
  return tf.customGrad((...args) => {
    const [x, w, b, save] = args as [tfjs.Tensor2D, tfjs.Tensor2D, tfjs.Tensor1D, tfjs.GradSaveFunc];
    save([x, w]);
    return {
      value: tf.add(tf.matMul(x, w), b),
      gradFunc: (dy: tfjs.Tensor2D, saved: tfjs.Tensor[]) => {
        const [xs, ws] = saved as [tfjs.Tensor2D, tfjs.Tensor2D];
        return [tf.matMul(dy, tf.transpose(ws)), tf.matMul(tf.transpose(xs), dy), tf.sum(dy, 0)];
      },
    };
  }) as DenseFn;
}

function constantInputFastDense(tf: Tf, x: tfjs.Tensor2D, w: tfjs.Tensor2D, b: tfjs.Tensor1D): tfjs.Tensor2D {
  // x is not an input of the custom op, so no gradient is computed for it; save() keeps it alive
  // for the backward pass (tf.grads disposes the forward pass's tensors otherwise).
  const op = tf.customGrad((...args) => {
    const [wIn, bIn, save] = args as [tfjs.Tensor2D, tfjs.Tensor1D, tfjs.GradSaveFunc];
    save([x]);
    return {
      value: tf.add(tf.matMul(x, wIn), bIn),
      gradFunc: (dy: tfjs.Tensor2D, saved: tfjs.Tensor[]) => {
        const [xs] = saved as [tfjs.Tensor2D];
        return [tf.matMul(tf.transpose(xs), dy), tf.sum(dy, 0)];
      },
    };
  }) as (w: tfjs.Tensor2D, b: tfjs.Tensor1D) => tfjs.Tensor2D;
  return op(w, b);
}

/**
 * `x · w + b` with the fast custom gradient (explicit transposes, untransposed matMul operands).
 *
 * @example
 * fastDense(tf, x, w, b, { constantInput: true }); // first layer: no gradient for the input batch
 */
export function fastDense(
  tf: Tf,
  x: tfjs.Tensor2D,
  w: tfjs.Tensor2D,
  b: tfjs.Tensor1D,
  options: Pick<DenseOptions, 'constantInput'> = {},
): tfjs.Tensor2D {
  if (options.constantInput === true) return constantInputFastDense(tf, x, w, b);
  let op = fastDenseByTf.get(tf);
  if (op === undefined) {
    op = buildFastDense(tf);
    fastDenseByTf.set(tf, op);
  }
  return op(x, w, b);
}

/**
 * Whether 'auto' picks the fast form on this backend: only wasm gains from it; on cpu the extra
 * transposes cost more than they save, and tfjs-node's own kernels handle transposed operands.
 *
 * @example
 * prefersFastDense('wasm'); // true
 */
export function prefersFastDense(backend: string): boolean {
  return backend === 'wasm';
}

/**
 * A dense (fully connected) layer without activation: `x · w + b`, in the gradient form chosen by
 * `options.form` ('auto' by default: fast on wasm, plain elsewhere, decided per call by `tf.getBackend()`).
 *
 * @example
 * const h = tf.relu(dense(tf, x, w0, b0, { constantInput: true }));
 */
export function dense(
  tf: Tf,
  x: tfjs.Tensor2D,
  w: tfjs.Tensor2D,
  b: tfjs.Tensor1D,
  options: DenseOptions = {},
): tfjs.Tensor2D {
  const form = options.form ?? 'auto';
  const fast = form === 'fast' || (form === 'auto' && prefersFastDense(tf.getBackend()));
  return fast ? fastDense(tf, x, w, b, options) : plainDense(tf, x, w, b);
}
