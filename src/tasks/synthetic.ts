import { TaskError } from '../errors.js';
import { createMlp } from './mlp.js';
import { mixSeed, Random } from './random.js';
import type { Dataset, LoadDataOptions, Model, ModelOptions, Task } from './task.js';

/** Sizes of the synthetic task: the data set, the teacher that labels it and the student that learns it. */
export const SYNTHETIC = Object.freeze({
  inputSize: 16,
  classes: 4,
  teacherHidden: 24,
  studentLayers: Object.freeze([16, 32, 4]) as readonly number[],
  trainSize: 2048,
  testSize: 512,
});

const TEACHER_STREAM = 0x7465;
const SPLIT_STREAMS = { train: 0x7472, test: 0x7473 } as const;
// Uniform on ±√3 has unit variance: no Math.log/Math.cos, so every engine generates the same bits.
const INPUT_LIMIT = Math.sqrt(3);
const CALIBRATION_SIZE = 1024;

interface Teacher {
  readonly w0: Float64Array; // [inputSize, teacherHidden]
  readonly w1: Float64Array; // [teacherHidden, classes]
  readonly b1: Float64Array; // [classes]
}

function fillInputs(random: Random, x: Float32Array): void {
  for (let i = 0; i < x.length; i++) x[i] = random.uniform(-INPUT_LIMIT, INPUT_LIMIT);
}

/** The teacher's logits for the example at `offset`: w1ᵀ · relu(w0ᵀ · x) + b1. */
function teacherLogits(teacher: Teacher, x: Float32Array, offset: number, out: Float64Array): Float64Array {
  const { inputSize, teacherHidden, classes } = SYNTHETIC;
  const hidden = new Float64Array(teacherHidden);
  for (let i = 0; i < inputSize; i++) {
    const xi = x[offset + i]!;
    for (let j = 0; j < teacherHidden; j++) hidden[j]! += xi * teacher.w0[i * teacherHidden + j]!;
  }
  for (let c = 0; c < classes; c++) {
    let logit = teacher.b1[c]!;
    for (let j = 0; j < teacherHidden; j++) logit += Math.max(hidden[j]!, 0) * teacher.w1[j * classes + c]!;
    out[c] = logit;
  }
  return out;
}

function argmax(values: Float64Array): number {
  let best = 0;
  for (let c = 1; c < values.length; c++) if (values[c]! > values[best]!) best = c;
  return best;
}

// ReLU outputs are non-negative, so raw logits carry a class-specific offset that would make some
// classes rare; centring each logit on its mean over a calibration sample keeps the classes balanced.
function createTeacher(seed: number): Teacher {
  const random = new Random(mixSeed(seed, TEACHER_STREAM));
  const { inputSize, teacherHidden, classes } = SYNTHETIC;
  const w0 = new Float64Array(inputSize * teacherHidden).map(() => random.uniform(-1, 1));
  const w1 = new Float64Array(teacherHidden * classes).map(() => random.uniform(-1, 1));
  const b1 = new Float64Array(classes);
  const teacher = { w0, w1, b1 };
  const calibration = new Float32Array(CALIBRATION_SIZE * inputSize);
  fillInputs(random, calibration);
  const mean = new Float64Array(classes);
  const logits = new Float64Array(classes);
  for (let n = 0; n < CALIBRATION_SIZE; n++) {
    teacherLogits(teacher, calibration, n * inputSize, logits);
    for (let c = 0; c < classes; c++) mean[c]! += logits[c]! / CALIBRATION_SIZE;
  }
  for (let c = 0; c < classes; c++) b1[c] = -mean[c]!;
  return teacher;
}

function checkLimit(limit: number | undefined, size: number): number {
  if (limit === undefined) return size;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new TaskError('ERR_TASK_ARGUMENT', `limit must be a positive integer, received ${String(limit)}`);
  }
  return Math.min(limit, size);
}

/**
 * Generates one split: inputs uniform with unit variance, labels from a fixed random ReLU "teacher"
 * network. The teacher depends only on the seed, so train and test share it; the inputs of each
 * split come from their own stream.
 *
 * @example
 * const train = generateSynthetic('train', { seed: 1 }); // 2,048 examples × 16 features, 4 classes
 */
export function generateSynthetic(split: 'train' | 'test', options: LoadDataOptions): Dataset {
  const full = split === 'train' ? SYNTHETIC.trainSize : SYNTHETIC.testSize;
  const size = checkLimit(options.limit, full);
  const teacher = createTeacher(options.seed);
  const random = new Random(mixSeed(options.seed, SPLIT_STREAMS[split]));
  const { inputSize } = SYNTHETIC;
  const x = new Float32Array(size * inputSize);
  fillInputs(random, x);
  const labels = new Int32Array(size);
  const logits = new Float64Array(SYNTHETIC.classes);
  for (let n = 0; n < size; n++) labels[n] = argmax(teacherLogits(teacher, x, n * inputSize, logits));
  return { size, inputSize, x, labels, targetSize: 1 };
}

/**
 * The built-in task for tests and demos: 16 features → 4 classes labelled by a random teacher MLP
 * (2,048 train / 512 test examples, generated from the seed, no files); the student is a 16-32-4 MLP
 * with softmax cross-entropy.
 *
 * @example
 * const model = syntheticTask.createModel({ seed: 1 }); const data = await syntheticTask.loadData('train', { seed: 1 });
 */
export const syntheticTask: Task = Object.freeze({
  name: 'synthetic',
  createModel(options: ModelOptions): Model {
    return createMlp({
      layerSizes: SYNTHETIC.studentLayers,
      seed: options.seed,
      denseForm: options.denseForm,
    });
  },
  async loadData(split: 'train' | 'test', options: LoadDataOptions): Promise<Dataset> {
    return generateSynthetic(split, options);
  },
  size(split: 'train' | 'test', options: { readonly limit?: number }): number {
    return checkLimit(options.limit, split === 'train' ? SYNTHETIC.trainSize : SYNTHETIC.testSize);
  },
});
