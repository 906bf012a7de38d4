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
