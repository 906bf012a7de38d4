import { createHash } from 'node:crypto';

/**
 * The digest a worker reports in `applied` and the coordinator compares bit for bit: SHA-256 of the
 * parameters as little-endian float32 bytes (the machine order on every platform Node supports), in flat order.
 *
 * @example
 * parameterDigest(new Float32Array([1, 2])); // 'sha256:…'
 */
export function parameterDigest(params: Float32Array): string {
  const bytes = new Uint8Array(params.buffer, params.byteOffset, params.byteLength);
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/**
 * The digest of one pushed gradient as the arrival log records it: SHA-256 of the gradient as little-endian
 * float32 bytes in flat order, then its loss as 8 little-endian float64 bytes, so replay can tell a
 * recomputed gradient from the one the run decided on, loss included.
 *
 * @example
 * gradientDigest(new Float32Array([1, -2]), 0.5); // 'sha256:…'
 */
export function gradientDigest(grad: Float32Array, loss: number): string {
  const bytes = new Uint8Array(grad.buffer, grad.byteOffset, grad.byteLength);
  const lossBytes = new Uint8Array(8);
  new DataView(lossBytes.buffer).setFloat64(0, loss, true);
  return `sha256:${createHash('sha256').update(bytes).update(lossBytes).digest('hex')}`;
}
