/**
 * The arrival log of an async run (arrivals.jsonl): the order in which the parameter server decided every
 * pushed gradient, hash-chained so replay can re-execute the run bit for bit and notice a changed log.
 *
 * @example
 * import { ArrivalLogWriter, readArrivalLog, ARRIVAL_LOG_VERSION } from './arrivals/index.js';
 */
export {
  ARRIVAL_LOG_FORMAT,
  ARRIVAL_LOG_VERSION,
  type ArrivalEntry,
  type ArrivalHeader,
  ArrivalLogWriter,
} from './arrival-log.js';
export {
  type ArrivalLog,
  MAX_ARRIVAL_LINE_CHARS,
  readArrivalLog,
  readArrivalPrefix,
} from './read-arrival-log.js';
