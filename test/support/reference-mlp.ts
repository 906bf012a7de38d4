/**
 * A second implementation of an MLP classifier's evaluation, in plain float64 JavaScript (no tfjs, nothing from
 * src/): dense layers `h·W + b` with W row-major [in, out] in the flat order w0, b0, w1, b1, …, ReLU between
 * layers, softmax cross-entropy per example, argmax (first index on ties) for the prediction. The figures a run
 * reports about its evaluation are checked against this.
 */

export interface ReferenceEvaluation {
  /** mean softmax cross-entropy */
  readonly loss: number;
  readonly correct: number;
  readonly examples: number;
}

/** Evaluates `params` (flat, float32) of an MLP with `layers` sizes on `x` (row-major) and int labels. */
export function evaluateMlp(
  params: Float32Array,
  layers: readonly number[],
  x: Float32Array,
  labels: Int32Array,
): ReferenceEvaluation {
  const examples = labels.length;
  const inputSize = layers[0]!;
  let lossSum = 0;
  let correct = 0;
  for (let n = 0; n < examples; n++) {
    let h = Array.from(x.subarray(n * inputSize, (n + 1) * inputSize));
    let offset = 0;
    for (let l = 0; l + 1 < layers.length; l++) {
      const fanIn = layers[l]!;
      const fanOut = layers[l + 1]!;
      const out = new Array<number>(fanOut).fill(0);
      for (let j = 0; j < fanOut; j++) {
        let z = params[offset + fanIn * fanOut + j]!;
        for (let i = 0; i < fanIn; i++) z += h[i]! * params[offset + i * fanOut + j]!;
        out[j] = l + 2 < layers.length ? Math.max(0, z) : z;
      }
      offset += fanIn * fanOut + fanOut;
      h = out;
    }
    const max = Math.max(...h);
    const logSum = Math.log(h.reduce((sum, z) => sum + Math.exp(z - max), 0)) + max;
    lossSum += logSum - h[labels[n]!]!;
    if (h.indexOf(max) === labels[n]) correct += 1;
  }
  return { loss: lossSum / examples, correct, examples };
}
