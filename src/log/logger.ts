/**
 * Structured logging: one line per entry, readable text or JSON lines, written through a callback. No global
 * state: every logger carries its own format, level, source and sink.
 */
import { ConfigError } from '../errors.js';
import type { Log, LogLevel } from './log.js';

/** The level names, least severe first. */
export const LOG_LEVELS: readonly LogLevel[] = Object.freeze(['debug', 'info', 'warn', 'error']);

/** Default: entries below `info` are dropped. */
export const DEFAULT_LOG_LEVEL: LogLevel = 'info';

export type LogFormat = 'text' | 'json';

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** `text`: `time level source msg key=value…`; `json`: one JSON object per line. */
  readonly format: LogFormat;
  /** Entries below this level are dropped (default `info`). */
  readonly level?: LogLevel;
  /** Who speaks: `coordinator`, `worker 1`, `launcher`. */
  readonly source: string;
  /** Receives each line without its newline (default: written to stderr with one). */
  readonly write?: (line: string) => void;
  /** The clock, in milliseconds since the epoch (default `Date.now`). */
  readonly now?: () => number;
}

/** Writes structured entries; `fields` become `key=value` pairs (text) or JSON members. */
export interface Logger {
  readonly format: LogFormat;
  readonly level: LogLevel;
  readonly source: string;
  debug(msg: string, fields?: Readonly<Record<string, unknown>>): void;
  info(msg: string, fields?: Readonly<Record<string, unknown>>): void;
  warn(msg: string, fields?: Readonly<Record<string, unknown>>): void;
  error(msg: string, fields?: Readonly<Record<string, unknown>>): void;
  /** A logger with the same format, level, sink and clock that speaks as `source`. */
  child(source: string): Logger;
}

const RESERVED = new Set(['time', 'level', 'source', 'msg']);

const writeStderr = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/**
 * Creates a logger. Throws ConfigError for an unknown format or level.
 *
 * @example
 * createLogger({ format: 'text', source: 'coordinator' }).info('round done', { step: 12, lr: 0.05 });
 * // 2026-11-25T13:45:00.123Z info  coordinator  round done step=12 lr=0.05
 */
export function createLogger(options: LoggerOptions): Logger {
  const format = options.format;
  if (format !== 'text' && format !== 'json') {
    throw new ConfigError(
      'ERR_CONFIG_BAD_VALUE',
      'format',
      `must be text or json, received ${JSON.stringify(format) ?? String(format)}`,
    );
  }
  const level = options.level ?? DEFAULT_LOG_LEVEL;
  if (!LOG_LEVELS.includes(level)) {
    throw new ConfigError(
      'ERR_CONFIG_BAD_VALUE',
      'level',
      `must be one of ${LOG_LEVELS.join(', ')}, received ${JSON.stringify(level) ?? String(level)}`,
    );
  }
  const write = options.write ?? writeStderr;
  const now = options.now ?? Date.now;
  const threshold = LOG_LEVELS.indexOf(level);
  const make = (source: string): Logger => {
    const emit =
      (entryLevel: LogLevel) =>
      (msg: string, fields: Readonly<Record<string, unknown>> = {}): void => {
        if (LOG_LEVELS.indexOf(entryLevel) < threshold) return;
        const time = new Date(now()).toISOString();
        const entry = { time, level: entryLevel, source, msg };
        write(format === 'json' ? jsonLine(entry, fields) : textLine(entry, fields));
      };
    return Object.freeze({
      format,
      level,
      source,
      debug: emit('debug'),
      info: emit('info'),
      warn: emit('warn'),
      error: emit('error'),
      child: make,
    });
  };
  return make(options.source);
}

/**
 * Fits a logger to `src/transport`'s `log` option: each entry's `level` picks the method, `msg` is the
 * message and the other members are fields.
 *
 * @example
 * await connect(url, { log: transportLog(logger.child('transport')) });
 */
export function transportLog(logger: Logger): Log {
  return ({ level, msg, ...fields }) => {
    logger[LOG_LEVELS.includes(level) ? level : 'info'](msg, fields);
  };
}

interface Head {
  readonly time: string;
  readonly level: LogLevel;
  readonly source: string;
  readonly msg: string;
}

/** `2026-11-25T13:45:00.123Z info  coordinator  round done step=12 lr=0.05 ms=3.1` */
function textLine(head: Head, fields: Readonly<Record<string, unknown>>): string {
  const pairs = Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => ` ${key}=${textValue(value)}`)
    .join('');
  return `${head.time} ${head.level.padEnd(5)} ${head.source}  ${oneLine(head.msg)}${pairs}`;
}

/** A field value in text: numbers to 6 significant digits, strings quoted only when they must be. */
function textValue(value: unknown): string {
  if (typeof value === 'number') {
    return Number.isInteger(value) || !Number.isFinite(value)
      ? String(value)
      : String(Number(value.toPrecision(6)));
  }
  if (typeof value === 'string')
    return value === '' || /[\s"=\\]/.test(value) ? JSON.stringify(value) : value;
  if (value instanceof Error) return JSON.stringify(errorText(value));
  if (typeof value === 'bigint' || typeof value === 'boolean' || value === null) return String(value);
  const json = JSON.stringify(value, replacer);
  return json === undefined ? String(value) : json;
}

/** One JSON object: the head first, then the fields (a field named like a head member gets a `_` prefix). */
function jsonLine(head: Head, fields: Readonly<Record<string, unknown>>): string {
  const entry: Record<string, unknown> = { ...head };
  for (const [key, value] of Object.entries(fields)) entry[RESERVED.has(key) ? `_${key}` : key] = value;
  return JSON.stringify(entry, replacer);
}

/** JSON for what JSON.stringify loses: non-finite numbers as strings, errors, bigints, typed arrays by size. */
function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { name: value.name, ...(code === undefined ? {} : { code }), message: value.message };
  }
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${value.byteLength} bytes)`;
  return value;
}

function errorText(error: Error): string {
  const code = (error as { code?: unknown }).code;
  return `${error.name}${code === undefined ? '' : ` ${String(code)}`}: ${error.message}`;
}

/** A message kept on its line: newlines shown as `\n`. */
function oneLine(msg: string): string {
  return msg.replaceAll('\r', '\\r').replaceAll('\n', '\\n');
}
