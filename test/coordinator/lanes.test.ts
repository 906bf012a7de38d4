import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runInProcess } from '../support/in-process-run.js';
import { scratch } from '../support/processes.js';

const RUN = {
  task: 'synthetic',
  workers: 2,
  steps: 8,
  batch_size: 32,
  data_limit: 256,
  optimizer: { name: 'Momentum', momentum: 0.9 },
  lr: { name: 'StepDecay', learning_rate: 0.3, step_size: 3 },
};

/** A run with lanes in a fresh directory; returns it and the ranks whose worker said it took the lanes. */
async function withLanes(offers?: (rank: number, lanes: string) => string | null) {
  const lanes = join(await scratch(), 'lanes');
  const took = new Set<number>();
  const run = await runInProcess(RUN, {
    lanes,
    ...(offers === undefined ? {} : { offers: (rank: number) => offers(rank, lanes) }),
    workerLog: (rank, entry) => {
      if (entry['msg'] === 'tensor lanes') took.add(rank);
    },
  });
  return { run, lanes, took: [...took].sort() };
}

describe('tensor lanes in a sync run', () => {
  it('carry every gradient and update with the same bits as the socket, and are removed at the end', async () => {
    const plain = await runInProcess(RUN);
    const { run, lanes, took } = await withLanes();
    expect(took).toEqual([0, 1]);
    expect(run.exitCode).toBe(0);
    expect(run.summary.consistency.consistent).toBe(true);
    expect(run.summary.replicasIdentical).toBe(true);
    expect(Buffer.from(run.params.buffer, run.params.byteOffset, run.params.byteLength)).toEqual(
      Buffer.from(plain.params.buffer, plain.params.byteOffset, plain.params.byteLength),
    );
    expect(run.summary.paramsDigest).toBe(plain.summary.paramsDigest);
    expect(existsSync(lanes)).toBe(false);
  });

  it('go on over the socket for a worker that offers none or another directory, and for every update then', async () => {
    const plain = await runInProcess(RUN);
    // Rank 1 offers nothing: its gradients come over the socket, and since it cannot read the down lane, every
    // update goes over the socket to both ranks.
    const none = await withLanes((rank, lanes) => (rank === 0 ? lanes : null));
    // Rank 0 offers a directory that is not the coordinator's: it is not taken.
    const other = await withLanes((rank, lanes) => (rank === 0 ? `${lanes}-elsewhere` : lanes));
    expect(none.took).toEqual([0]);
    expect(other.took).toEqual([1]);
    for (const { run } of [none, other]) {
      expect(run.exitCode).toBe(0);
      expect(run.summary.consistency.consistent).toBe(true);
      expect(run.summary.replicasIdentical).toBe(true);
      expect(run.summary.paramsDigest).toBe(plain.summary.paramsDigest);
    }
  });
});
