import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { TaskError } from '../../src/errors.js';
import {
  BUILTIN_TASKS,
  checkTask,
  loadMnist,
  MNIST_FILES,
  mnistDataDir,
  mnistSize,
  mnistTask,
  parameterCount,
  readIdxImages,
  readIdxLabels,
  SYNTHETIC,
  syntheticTask,
} from '../../src/tasks/index.js';
import { GradientComputer, selectBackend } from '../../src/worker/index.js';
import { trainSgd } from '../support/sgd.js';

const dir = mkdtempSync(join(tmpdir(), 'dptrain-mnist-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileCount = 0;

function header(magic: number, dims: readonly number[]): Buffer {
  const bytes = Buffer.alloc(4 + 4 * dims.length);
  bytes.writeUInt32BE(magic, 0);
  for (const [i, d] of dims.entries()) bytes.writeUInt32BE(d, 4 + 4 * i);
  return bytes;
}

function imageBytes(count: number, rows: number, cols: number, pixels: Uint8Array): Buffer {
  return Buffer.concat([header(2051, [count, rows, cols]), pixels]);
}

function labelBytes(labels: readonly number[]): Buffer {
  return Buffer.concat([header(2049, [labels.length]), Uint8Array.from(labels)]);
}

function writeTemp(bytes: Uint8Array): string {
  const path = join(dir, `file-${fileCount++}`);
  writeFileSync(path, bytes);
  return path;
}

/** A data directory holding a small MNIST-shaped split (28×28 images) under the real file names. */
function writeSplitDir(
  split: 'train' | 'test',
  pixels: Uint8Array,
  labels: readonly number[],
  rows = 28,
): string {
  const splitDir = join(dir, `split-${fileCount++}`);
  mkdirSync(splitDir);
  const count = pixels.length / (rows * 28);
  writeFileSync(join(splitDir, MNIST_FILES[split].images), imageBytes(count, rows, 28, pixels));
  writeFileSync(join(splitDir, MNIST_FILES[split].labels), labelBytes(labels));
  return splitDir;
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('mnist-mlp data', () => {
  it('loads 60,000 train and 10,000 test images of 784 pixels in [0, 1] with all ten digits as labels', async () => {
    const train = await mnistTask.loadData('train', { seed: 1 });
    const test = await mnistTask.loadData('test', { seed: 1 });
    expect([train.size, test.size]).toEqual([60_000, 10_000]);
    for (const data of [train, test]) {
      expect(data.inputSize).toBe(784);
      expect(data.targetSize).toBe(1);
      expect(data.x).toBeInstanceOf(Float32Array);
      expect(data.x).toHaveLength(data.size * 784);
      expect(data.labels).toBeInstanceOf(Int32Array);
      expect(data.labels).toHaveLength(data.size);
      let min = Infinity;
      let max = -Infinity;
      for (const v of data.x) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
      expect([min, max]).toEqual([0, 1]);
      const counts = new Array<number>(10).fill(0);
      for (const label of data.labels) counts[label]!++;
      expect(counts.reduce((a, b) => a + b, 0)).toBe(data.size);
      for (const count of counts) expect(count).toBeGreaterThan(data.size / 20);
    }
    // The well-known first test digits.
    expect([...test.labels.subarray(0, 5)]).toEqual([7, 2, 1, 0, 4]);
  });

  it('scales each pixel byte of the file to byte / 255', async () => {
    const raw = readFileSync(join(mnistDataDir(), MNIST_FILES.test.images));
    const test = await mnistTask.loadData('test', { seed: 1 });
    const last = test.size * 784 - 784;
    for (const start of [0, last]) {
      const expected = Float32Array.from(raw.subarray(16 + start, 16 + start + 784), (b) => b / 255);
      expect(test.x.subarray(start, start + 784)).toEqual(expected);
    }
  });

  it('keeps the first `limit` examples, all of them for a larger limit, and refuses a bad limit', async () => {
    const full = await mnistTask.loadData('train', { seed: 1 });
    const some = await mnistTask.loadData('train', { seed: 1, limit: 100 });
    expect(some.size).toBe(100);
    expect(some.x).toEqual(full.x.subarray(0, 100 * 784));
    expect(some.labels).toEqual(full.labels.subarray(0, 100));
    expect((await mnistTask.loadData('test', { seed: 1, limit: 20_000 })).size).toBe(10_000);
    for (const limit of [0, -1, 2.5]) {
      await expect(mnistTask.loadData('test', { seed: 1, limit })).rejects.toMatchObject({
        code: 'ERR_TASK_ARGUMENT',
      });
    }
  });

  it('reads only the asked prefix first, and the whole split when a later call asks for more', () => {
    const pixels = Uint8Array.from({ length: 5 * 784 }, (_, i) => i % 256);
    const labels = [3, 1, 4, 1, 5];
    const splitDir = writeSplitDir('test', pixels, labels);
    const two = loadMnist('test', { limit: 2 }, splitDir);
    expect(two.size).toBe(2);
    expect([...two.labels]).toEqual([3, 1]);
    expect(loadMnist('test', { limit: 1 }, splitDir).labels).toEqual(Int32Array.of(3));
    const all = loadMnist('test', {}, splitDir);
    expect([...all.labels]).toEqual(labels);
    expect(all.x).toEqual(Float32Array.from(pixels, (b) => b / 255));
    expect(loadMnist('test', { limit: 9 }, splitDir)).toBe(all);
  });

  it('answers size() from the headers, equal to the loaded size with and without a limit', async () => {
    for (const split of ['train', 'test'] as const) {
      for (const limit of [undefined, 1, 777, 100_000]) {
        const loaded = await mnistTask.loadData(split, { seed: 1, limit });
        expect(await mnistTask.size?.(split, { limit })).toBe(loaded.size);
      }
    }
    expect(() => mnistTask.size?.('train', { limit: 0 })).toThrow(TaskError);
  });
});

describe('IDX file checks', () => {
  it('reads any valid IDX images and labels file, keeping the first `limit` examples', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 5 }),
        fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
        fc.infiniteStream(fc.integer({ min: 0, max: 255 })),
        (count, rows, cols, limit, stream) => {
          const pixels = Uint8Array.from(stream.take(count * rows * cols));
          const kept = Math.min(limit ?? count, count);
          const images = readIdxImages(writeTemp(imageBytes(count, rows, cols, pixels)), limit);
          expect(images).toMatchObject({ count: kept, rows, cols });
          expect(images.pixels).toEqual(
            Float32Array.from(pixels.subarray(0, kept * rows * cols), (b) => b / 255),
          );
          const labels = [...pixels.subarray(0, count)];
          expect(readIdxLabels(writeTemp(labelBytes(labels)), limit)).toEqual(
            Int32Array.from(labels.slice(0, kept)),
          );
        },
      ),
      { numRuns: 50 },
    );
  });

  it.each([
    ['a labels magic in an images file', () => readIdxImages(writeTemp(labelBytes([1, 2])))],
    [
      'an images magic in a labels file',
      () => readIdxLabels(writeTemp(imageBytes(1, 1, 2, Uint8Array.of(0, 0)))),
    ],
    ['a file shorter than the header', () => readIdxImages(writeTemp(Uint8Array.of(0, 0, 8, 3, 0, 0)))],
    ['a truncated pixel block', () => readIdxImages(writeTemp(imageBytes(3, 2, 2, new Uint8Array(11))))],
    [
      'trailing bytes after the labels',
      () => readIdxLabels(writeTemp(Buffer.concat([labelBytes([1]), Buffer.of(9)]))),
    ],
    ['a count of zero', () => readIdxLabels(writeTemp(labelBytes([])))],
    ['zero rows', () => readIdxImages(writeTemp(imageBytes(1, 0, 2, new Uint8Array(0))))],
  ])('refuses %s with ERR_TASK_SHAPE naming the file', (_, read) => {
    const error = thrown(read);
    expect(error).toBeInstanceOf(TaskError);
    expect(error).toMatchObject({ code: 'ERR_TASK_SHAPE' });
    expect((error as Error).message).toContain(join(dir, 'file-'));
  });

  it('says so when the file is gzip-compressed', () => {
    const error = thrown(() => readIdxLabels(writeTemp(gzipSync(labelBytes([1, 2, 3])))));
    expect(error).toMatchObject({ code: 'ERR_TASK_SHAPE' });
    expect((error as Error).message).toMatch(/gzip/);
  });

  it('refuses a missing file or a directory with ERR_TASK_NOT_FOUND', () => {
    for (const path of [join(dir, 'no-such-file'), dir]) {
      const error = thrown(() => readIdxImages(path));
      expect(error).toBeInstanceOf(TaskError);
      expect(error).toMatchObject({ code: 'ERR_TASK_NOT_FOUND' });
      expect((error as Error).message).toContain(path);
    }
  });

  it('refuses a split whose image and label counts differ, in loadMnist and in size', () => {
    const splitDir = writeSplitDir('train', new Uint8Array(2 * 784), [1, 2, 3]);
    for (const read of [() => loadMnist('train', {}, splitDir), () => mnistSize('train', {}, splitDir)]) {
      const error = thrown(read);
      expect(error).toMatchObject({ code: 'ERR_TASK_SHAPE' });
      expect((error as Error).message).toContain(MNIST_FILES.train.labels);
    }
  });

  it('refuses images that are not 28×28 and labels that are not digits', () => {
    const small = writeSplitDir('test', new Uint8Array(27 * 28), [1], 27);
    expect(thrown(() => loadMnist('test', {}, small))).toMatchObject({ code: 'ERR_TASK_SHAPE' });
    const badLabel = writeSplitDir('test', new Uint8Array(2 * 784), [9, 10]);
    expect(thrown(() => loadMnist('test', {}, badLabel))).toMatchObject({ code: 'ERR_TASK_SHAPE' });
  });
});

describe('synthetic size', () => {
  it('equals the generated size with and without a limit', async () => {
    for (const split of ['train', 'test'] as const) {
      for (const limit of [undefined, 5, 100_000]) {
        const loaded = await syntheticTask.loadData(split, { seed: 1, limit });
        expect(syntheticTask.size?.(split, { limit })).toBe(loaded.size);
      }
    }
    expect(syntheticTask.size?.('train', {})).toBe(SYNTHETIC.trainSize);
    expect(() => syntheticTask.size?.('test', { limit: 0 })).toThrow(TaskError);
  });
});

describe('mnist-mlp model', () => {
  it('is the built-in task mnist-mlp: a 784-256-128-10 MLP of 235,146 parameters', () => {
    expect(BUILTIN_TASKS['mnist-mlp']).toBe(mnistTask);
    checkTask(mnistTask, 'mnistTask');
    const model = mnistTask.createModel({ seed: 1 });
    expect(model.parameters.map((p) => p.shape)).toEqual([
      [784, 256],
      [256],
      [256, 128],
      [128],
      [128, 10],
      [10],
    ]);
    expect(parameterCount(model.parameters)).toBe(235_146);
  });

  it('trains on wasm: 300 SGD steps on 2,048 images lift accuracy on 1,000 test images from chance to over 80%', async () => {
    const { tf, backend } = await selectBackend();
    expect(backend).toBe('wasm');
    const train = await mnistTask.loadData('train', { seed: 1, limit: 2048 });
    const test = await mnistTask.loadData('test', { seed: 1, limit: 1000 });
    const model = mnistTask.createModel({ seed: 1 });
    const computer = new GradientComputer(tf, model);
    const params = model.initialParameters();
    const before = computer.evaluate(params, test).accuracy!;
    trainSgd(computer, train, params, 300, 0.1);
    const after = computer.evaluate(params, test).accuracy!;
    expect(before).toBeLessThan(0.3);
    expect(after).toBeGreaterThan(0.8);
  });
});
