/**
 * An `allocateTensor` for a decoder that receives one message of `size` floats at a time and is done with
 * it before the next arrives: it hands out the same array every time (fresh arrays of tens of MB cost page
 * faults on every message), and a fresh array for any other size.
 *
 * @example
 * const connection = await connect(url, { allocateTensor: reusedTensor(1e7) });
 */
export function reusedTensor(size: number): (floats: number) => Float32Array {
  let reused: Float32Array | undefined;
  return (floats) => {
    if (floats !== size) return new Float32Array(floats);
    reused ??= new Float32Array(size);
    return reused;
  };
}
