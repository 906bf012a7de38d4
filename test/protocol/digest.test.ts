import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { gradientDigest } from '../../src/protocol/index.js';

describe('gradientDigest', () => {
  it('hashes the float32 LE gradient bytes followed by the float64 LE loss', () => {
    // [1, -2] as float32 LE, then 0.5 as float64 LE, spelled out by hand.
    const bytes = Buffer.from([
      0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xe0, 0x3f,
    ]);
    const expected = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    expect(gradientDigest(new Float32Array([1, -2]), 0.5)).toBe(expected);
  });

  it('hashes only the view, not the rest of its buffer', () => {
    const buffer = new Float32Array([9, 1, -2, 9]);
    expect(gradientDigest(buffer.subarray(1, 3), 0.5)).toBe(gradientDigest(new Float32Array([1, -2]), 0.5));
  });

  it('tells apart gradients that differ only in their loss', () => {
    const grad = new Float32Array([1, -2]);
    expect(gradientDigest(grad, 0.5)).not.toBe(gradientDigest(grad, 0.25));
  });
});
