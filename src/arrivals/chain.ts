import { createHash } from 'node:crypto';
import type { ArrivalEntry, ArrivalHeader } from './arrival-log.js';

/** An entry's keys in the order every line writes them (`shard` only where present); the hash covers this order, not the caller's. */
export const ENTRY_KEYS = [
  'i',
  'step',
  'rank',
  'shard',
  'read',
  'epoch',
  'position',
  'tau',
  'scale',
  'lr',
  'applied',
  'code',
  'grad',
] as const satisfies readonly (keyof ArrivalEntry)[];

/** The header's keys in the order its line writes them. */
export const HEADER_KEYS = [
  'format',
  'version',
  'backend',
  'build',
  'threadCount',
  'workers',
  'task',
  'seed',
  'paramsDigest0',
] as const satisfies readonly (keyof ArrivalHeader)[];

/** The header's line (without its line end), keys in HEADER_KEYS order. */
export function headerJson(h: ArrivalHeader): string {
  return JSON.stringify({
    format: h.format,
    version: h.version,
    backend: h.backend,
    build: { simd: h.build.simd, threads: h.build.threads },
    threadCount: h.threadCount,
    workers: h.workers,
    task: h.task,
    seed: h.seed,
    paramsDigest0: h.paramsDigest0,
  });
}

/** An entry's JSON without its hash, keys in ENTRY_KEYS order; spelled out rather than looped because append runs it per gradient. */
export function entryJson(e: ArrivalEntry): string {
  return JSON.stringify({
    i: e.i,
    step: e.step,
    rank: e.rank,
    // only where a survivor took over a lost rank's batch: other lines stay as they always were
    ...(e.shard === undefined ? {} : { shard: e.shard }),
    read: e.read,
    epoch: e.epoch,
    position: e.position,
    tau: e.tau,
    scale: e.scale,
    lr: e.lr,
    applied: e.applied,
    code: e.code,
    grad: e.grad,
  });
}

/** The hash the first entry chains to: SHA-256 hex of the header's line. */
export function headerHash(headerLine: string): string {
  return createHash('sha256').update(headerLine).digest('hex');
}

/** An entry's hash: SHA-256 hex of the previous line's hash, a line feed and the entry's JSON without hash. */
export function chainHash(previousHash: string, json: string): string {
  return createHash('sha256').update(`${previousHash}\n${json}`).digest('hex');
}

/** The entry's line (without its line end): its JSON with `"hash"` as the last key. */
export function entryLine(json: string, hash: string): string {
  return `${json.slice(0, -1)},"hash":"${hash}"}`;
}
