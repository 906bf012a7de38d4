/**
 * Structured logging for the coordinator, the workers and the launcher: text or JSON lines, with an adapter
 * for the transport's `log` option.
 *
 * @example
 * const log = createLogger({ format: 'json', source: 'coordinator' }); log.info('worker joined', { rank: 1 });
 */
export { discardLog, type Log, type LogEntry, type LogLevel } from './log.js';
export {
  createLogger,
  DEFAULT_LOG_LEVEL,
  LOG_LEVELS,
  type LogFormat,
  type Logger,
  type LoggerOptions,
  transportLog,
} from './logger.js';
export {
  DEFAULT_RATE_LIMIT_MS,
  type RateLimitedLog,
  RateLimiter,
  rateLimitedLog,
  type Suppressed,
} from './rate-limit.js';
