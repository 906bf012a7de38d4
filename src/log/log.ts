/** The structured-log contract every part writes to; how lines are formatted is `logger.ts`'s business. */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** One structured log line: `{ level, msg, ...fields }`. The library never writes to the console itself. */
export interface LogEntry {
  readonly level: LogLevel;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/**
 * Where a part sends its log entries.
 *
 * @example
 * const log: Log = (entry) => console.error(entry.level, entry.msg);
 */
export type Log = (entry: LogEntry) => void;

/** A Log that drops everything: the default of every part that takes a `log` option. */
export const discardLog: Log = () => {};
