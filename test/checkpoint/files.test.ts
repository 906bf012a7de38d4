import { mkdir, mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type CheckpointContent,
  checkpointFileName,
  listCheckpoints,
  newestValidCheckpoint,
  readCheckpoint,
  stepOfFileName,
  writeCheckpoint,
} from '../../src/checkpoint/index.js';
import { CheckpointError } from '../../src/errors.js';

/** A small content whose params hold the step, so that which file was read is plain. */
function content(step: number): CheckpointContent {
  return {
    config: { task: 'synthetic', workers: 2 },
    metadata: { saved: 'test' },
    state: { json: { step }, tensors: { params: Float32Array.of(step, step + 0.5), optimizer: {} } },
  };
}

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'dptrain-ckpt-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<CheckpointError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(CheckpointError);
    return error as CheckpointError;
  }
  throw new Error('expected a CheckpointError');
}

async function writeSteps(dir: string, steps: readonly number[], keep: number | null = null): Promise<void> {
  for (const step of steps) await writeCheckpoint(dir, step, content(step), { keep });
}

describe('checkpoint file names', () => {
  it('pads the step to 8 digits so that a listing sorts by step, and parses by number', () => {
    expect(checkpointFileName(40)).toBe('step-00000040.ckpt');
    expect(checkpointFileName(123456789)).toBe('step-123456789.ckpt');
    expect(stepOfFileName('step-00000040.ckpt')).toBe(40);
    expect(stepOfFileName('step-40.ckpt')).toBe(40);
    expect(stepOfFileName('.step-00000040.ckpt.ab12.tmp')).toBeNull();
    expect(stepOfFileName('step-4x.ckpt')).toBeNull();
    expect(stepOfFileName('step-40.ckpt.bak')).toBeNull();
  });
});

describe('writeCheckpoint', () => {
  it('creates the folder and writes step-<n>.ckpt, leaving no temporary file', async () => {
    const dir = join(root, 'run', 'checkpoints');
    const written = await writeCheckpoint(dir, 40, content(40));
    expect(written.path).toBe(join(dir, 'step-00000040.ckpt'));
    expect(await readdir(dir)).toEqual(['step-00000040.ckpt']);
    expect((await readFile(written.path)).length).toBe(written.bytes);
    const read = await readCheckpoint(written.path);
    expect(read.step).toBe(40);
    expect(read.content.state.tensors.params).toEqual(Float32Array.of(40, 40.5));
  });

  it('keeps exactly the newest `keep` files after each write', async () => {
    const dir = join(root, 'ck');
    for (const step of [10, 20, 30, 40, 50]) {
      await writeCheckpoint(dir, step, content(step), { keep: 3 });
    }
    expect((await readdir(dir)).sort()).toEqual([
      'step-00000030.ckpt',
      'step-00000040.ckpt',
      'step-00000050.ckpt',
    ]);
    const last = await writeCheckpoint(dir, 60, content(60), { keep: 2 });
    expect(last.removed).toEqual([join(dir, 'step-00000040.ckpt'), join(dir, 'step-00000030.ckpt')]);
    expect((await readdir(dir)).sort()).toEqual(['step-00000050.ckpt', 'step-00000060.ckpt']);
  });

  it('keeps 3 by default, every file with keep null, and only the new one with keep 1', async () => {
    const byDefault = join(root, 'default');
    for (const step of [1, 2, 3, 4]) await writeCheckpoint(byDefault, step, content(step));
    expect((await listCheckpoints(byDefault)).map((c) => c.step)).toEqual([4, 3, 2]);
    const all = join(root, 'all');
    await writeSteps(all, [1, 2, 3, 4, 5], null);
    expect((await listCheckpoints(all)).map((c) => c.step)).toEqual([5, 4, 3, 2, 1]);
    await writeCheckpoint(all, 6, content(6), { keep: 1 });
    expect(await readdir(all)).toEqual(['step-00000006.ckpt']);
  });

  it('never removes the file just written, even when newer steps are in the folder', async () => {
    const dir = join(root, 'ck');
    await writeSteps(dir, [30, 40, 50]);
    await writeCheckpoint(dir, 20, content(20), { keep: 2 });
    expect((await listCheckpoints(dir)).map((c) => c.step)).toEqual([50, 20]);
  });

  it('replaces a file of the same step', async () => {
    const dir = join(root, 'ck');
    await writeCheckpoint(dir, 5, content(5));
    await writeCheckpoint(dir, 5, { ...content(5), metadata: { saved: 'again' } });
    expect(await readdir(dir)).toEqual(['step-00000005.ckpt']);
    expect((await readCheckpoint(join(dir, 'step-00000005.ckpt'))).content.metadata).toEqual({
      saved: 'again',
    });
  });

  it('ignores a temporary file left by a crashed write: not listed, not counted toward keep, not removed', async () => {
    const dir = join(root, 'ck');
    await mkdir(dir);
    const leftover = join(dir, '.step-00000060.ckpt.0123456789ab.tmp');
    await writeFile(leftover, Buffer.from('DPTCKPT\0half a write'));
    await writeSteps(dir, [10, 20, 30], 2);
    expect((await listCheckpoints(dir)).map((c) => c.step)).toEqual([30, 20]);
    expect((await readdir(dir)).sort()).toEqual([
      '.step-00000060.ckpt.0123456789ab.tmp',
      'step-00000020.ckpt',
      'step-00000030.ckpt',
    ]);
    expect((await newestValidCheckpoint(dir)).step).toBe(30);
  });

  it('refuses keep 0 or a fraction and a bad step before writing anything', async () => {
    const dir = join(root, 'ck');
    for (const keep of [0, -1, 1.5]) {
      const error = await rejection(writeCheckpoint(dir, 1, content(1), { keep }));
      expect(error.code).toBe('ERR_CHECKPOINT_ARGUMENT');
      expect(error.message).toContain(
        `keep must be an integer >= 1, or null to keep every file, received ${keep}`,
      );
    }
    expect((await rejection(writeCheckpoint(dir, -3, content(1)))).code).toBe('ERR_CHECKPOINT_ARGUMENT');
    await expect(readdir(dir)).rejects.toThrow();
  });

  it('reports a folder it cannot create as ERR_CHECKPOINT_WRITE with the cause', async () => {
    const file = join(root, 'a-file');
    await writeFile(file, 'not a folder');
    const error = await rejection(writeCheckpoint(join(file, 'checkpoints'), 1, content(1)));
    expect(error.code).toBe('ERR_CHECKPOINT_WRITE');
    expect(error.cause).toBeInstanceOf(Error);
    expect(error.message).toContain(join(file, 'checkpoints', 'step-00000001.ckpt'));
  });
});

describe('listCheckpoints', () => {
  it('lists by step number, newest first, whatever the padding, ignoring other files and folders', async () => {
    const dir = join(root, 'ck');
    await writeSteps(dir, [9, 100000000, 10]);
    await writeFile(join(dir, 'step-11.ckpt'), 'x');
    await writeFile(join(dir, 'notes.txt'), 'x');
    await mkdir(join(dir, 'step-99999999.ckpt'));
    expect((await listCheckpoints(dir)).map((c) => c.step)).toEqual([100000000, 11, 10, 9]);
  });

  it('refuses a folder that does not exist as ERR_CHECKPOINT_NOT_FOUND', async () => {
    const error = await rejection(listCheckpoints(join(root, 'missing')));
    expect(error.code).toBe('ERR_CHECKPOINT_NOT_FOUND');
    expect(error.message).toContain(join(root, 'missing'));
  });
});

describe('newestValidCheckpoint', () => {
  it('takes a checkpoint file, a checkpoints folder or a run directory', async () => {
    const run = join(root, 'run');
    const dir = join(run, 'checkpoints');
    await writeSteps(dir, [10, 20]);
    expect((await newestValidCheckpoint(run)).path).toBe(join(dir, 'step-00000020.ckpt'));
    expect((await newestValidCheckpoint(dir)).path).toBe(join(dir, 'step-00000020.ckpt'));
    const file = await newestValidCheckpoint(join(dir, 'step-00000010.ckpt'));
    expect(file.step).toBe(10);
    expect(file.content.state.tensors.params).toEqual(Float32Array.of(10, 10.5));
  });

  it.each([
    ['empty', () => 0],
    ['mid-header', () => 60],
    ['mid-tensor', (size: number) => size - 32 - 4],
    ['without its checksum', (size: number) => size - 32],
  ])('skips a newest file torn %s with a message and uses the previous one', async (_what, cut) => {
    const dir = join(root, 'ck');
    await writeSteps(dir, [30, 40]);
    const newest = join(dir, 'step-00000040.ckpt');
    const size = (await readFile(newest)).length;
    const length = cut(size);
    await truncate(newest, length);
    const skips: [string, CheckpointError][] = [];
    const found = await newestValidCheckpoint(dir, {
      onSkip: (message, error) => skips.push([message, error]),
    });
    expect(found.step).toBe(30);
    expect(found.content.state.tensors.params).toEqual(Float32Array.of(30, 30.5));
    expect(skips).toHaveLength(1);
    expect(skips[0]![1].code).toBe('ERR_CHECKPOINT_TORN');
    expect(skips[0]![0]).toMatch(
      new RegExp(`^${newest.replaceAll('.', '\\.')} is torn \\(.*\\); using step-00000030\\.ckpt$`),
    );
    if (length >= 24) expect(skips[0]![0]).toContain(`(expected ${size} bytes, found ${length})`);
  });

  it.each([
    ['the header', () => 30],
    ['a tensor', (size: number) => size - 32 - 2],
    ['the checksum', (size: number) => size - 1],
  ])(
    'skips a newest file with one byte flipped in %s as corrupt and uses the previous one',
    async (_what, at) => {
      const dir = join(root, 'ck');
      await writeSteps(dir, [30, 40]);
      const newest = join(dir, 'step-00000040.ckpt');
      const bytes = await readFile(newest);
      bytes[at(bytes.length)]! ^= 0x80;
      await writeFile(newest, bytes);
      const skips: CheckpointError[] = [];
      const found = await newestValidCheckpoint(dir, { onSkip: (_message, error) => skips.push(error) });
      expect(found.step).toBe(30);
      expect(skips.map((e) => e.code)).toEqual(['ERR_CHECKPOINT_CORRUPT']);
      expect(skips[0]!.path).toBe(newest);
    },
  );

  it('skips several bad files, newest first, and one that holds another step than its name says', async () => {
    const dir = join(root, 'ck');
    await writeSteps(dir, [10, 20]);
    await writeFile(join(dir, 'step-00000030.ckpt'), 'not a checkpoint');
    // a good file of step 10 under the name of step 40
    await writeFile(join(dir, 'step-00000040.ckpt'), await readFile(join(dir, 'step-00000010.ckpt')));
    const messages: string[] = [];
    const codes: string[] = [];
    const found = await newestValidCheckpoint(dir, {
      onSkip: (message, error) => {
        messages.push(message);
        codes.push(error.code);
      },
    });
    expect(found.step).toBe(20);
    expect(codes).toEqual(['ERR_CHECKPOINT_CORRUPT', 'ERR_CHECKPOINT_FORMAT']);
    expect(messages[0]).toContain('holds step 10, its name says step 40');
    expect(messages.every((m) => m.endsWith('; using step-00000020.ckpt'))).toBe(true);
  });

  it('throws ERR_CHECKPOINT_NOT_FOUND naming the folder when no file is valid, listing each fault', async () => {
    const dir = join(root, 'ck');
    await writeSteps(dir, [10]);
    await truncate(join(dir, 'step-00000010.ckpt'), 100);
    let skipped = 0;
    const error = await rejection(newestValidCheckpoint(dir, { onSkip: () => skipped++ }));
    expect(error.code).toBe('ERR_CHECKPOINT_NOT_FOUND');
    expect(error.message).toContain(`no valid checkpoint in ${dir}`);
    expect(error.message).toContain('step-00000010.ckpt is torn');
    expect(skipped).toBe(0);
  });

  it('throws ERR_CHECKPOINT_NOT_FOUND for a missing path, an empty folder and a run directory without checkpoints', async () => {
    const empty = join(root, 'empty');
    await mkdir(join(empty, 'checkpoints'), { recursive: true });
    for (const path of [join(root, 'missing'), join(root, 'missing.ckpt'), empty]) {
      const error = await rejection(newestValidCheckpoint(path));
      expect(error.code, path).toBe('ERR_CHECKPOINT_NOT_FOUND');
      expect(error.message, path).toContain(path);
    }
  });

  it('throws the error of a file named directly instead of looking elsewhere', async () => {
    const dir = join(root, 'ck');
    await writeSteps(dir, [10, 20]);
    await truncate(join(dir, 'step-00000020.ckpt'), 10);
    const error = await rejection(newestValidCheckpoint(join(dir, 'step-00000020.ckpt')));
    expect(error.code).toBe('ERR_CHECKPOINT_TORN');
  });
});
