import { describe, expect, it } from 'vitest';
import { ConfigError, TransportError } from '../../src/errors.js';
import { createLogger, type LoggerOptions, type LogLevel, transportLog } from '../../src/log/index.js';

const T = Date.parse('2026-11-25T13:45:00.123Z');

function capture(options: Partial<LoggerOptions> = {}) {
  const lines: string[] = [];
  const logger = createLogger({
    format: 'text',
    source: 'coordinator',
    now: () => T,
    write: (line) => lines.push(line),
    ...options,
  });
  return { logger, lines };
}

describe('createLogger text format', () => {
  it('writes time, level, source, message and compact key=value fields on one line', () => {
    const { logger, lines } = capture();
    logger.info('round done', { step: 12, lr: 0.05, ms: 3.1 });
    expect(lines).toEqual(['2026-11-25T13:45:00.123Z info  coordinator  round done step=12 lr=0.05 ms=3.1']);
  });

  it('pads the level so sources line up', () => {
    const { logger, lines } = capture({ level: 'debug' });
    logger.debug('a');
    logger.error('b');
    logger.warn('c');
    expect(lines.map((line) => line.slice(25, 37))).toEqual(['debug coordi', 'error coordi', 'warn  coordi']);
  });

  it('quotes strings with spaces, quotes or = and leaves plain ones bare', () => {
    const { logger, lines } = capture();
    logger.info('joined', { host: '127.0.0.1', name: 'worker 1', expr: 'a=b', empty: '', quote: 'say "hi"' });
    expect(lines[0]).toContain('host=127.0.0.1 name="worker 1" expr="a=b" empty="" quote="say \\"hi\\""');
  });

  it('rounds long fractions to 6 significant digits and keeps integers, NaN and Infinity', () => {
    const { logger, lines } = capture();
    logger.info('x', { a: 0.1 + 0.2, b: 123456789, c: Number.NaN, d: Number.NEGATIVE_INFINITY, e: 1e-9 / 3 });
    expect(lines[0]).toContain('a=0.3 b=123456789 c=NaN d=-Infinity e=3.33333e-10');
  });

  it('writes booleans, null, lists and objects compactly, errors with their code, and skips undefined', () => {
    const { logger, lines } = capture();
    const error = new TransportError('ERR_TRANSPORT_CLOSED', 'socket closed');
    logger.warn('x', { ok: false, none: null, list: [1, 2], obj: { a: 1 }, gone: undefined, error });
    expect(lines[0]).toMatch(
      / x ok=false none=null list=\[1,2\] obj=\{"a":1\} error="TransportError ERR_TRANSPORT_CLOSED: socket closed"$/,
    );
  });

  it('keeps a multi-line message on one line', () => {
    const { logger, lines } = capture();
    logger.error('first\nsecond');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('first\\nsecond');
  });
});

describe('createLogger json format', () => {
  it('writes one parseable JSON object per line: time, level, source, msg, then the fields', () => {
    const { logger, lines } = capture({ format: 'json', source: 'worker 1' });
    logger.info('round done', { step: 12, lr: 0.05 });
    logger.warn('slow', { ms: 120.5 });
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries).toEqual([
      {
        time: '2026-11-25T13:45:00.123Z',
        level: 'info',
        source: 'worker 1',
        msg: 'round done',
        step: 12,
        lr: 0.05,
      },
      { time: '2026-11-25T13:45:00.123Z', level: 'warn', source: 'worker 1', msg: 'slow', ms: 120.5 },
    ]);
    expect(Object.keys(entries[0]!)).toEqual(['time', 'level', 'source', 'msg', 'step', 'lr']);
  });

  it('keeps full precision, writes non-finite numbers as strings and errors as objects', () => {
    const { logger, lines } = capture({ format: 'json' });
    const error = new ConfigError('ERR_CONFIG_BAD_VALUE', 'workers', 'must be an integer');
    logger.error('x', { loss: Number.NaN, lr: 0.1 + 0.2, error, big: 2n ** 70n, grad: new Float32Array(4) });
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(entry.loss).toBe('NaN');
    expect(entry.lr).toBe(0.1 + 0.2);
    expect(entry.error).toEqual({
      name: 'ConfigError',
      code: 'ERR_CONFIG_BAD_VALUE',
      message: 'workers: must be an integer',
    });
    expect(entry.big).toBe('1180591620717411303424');
    expect(entry.grad).toBe('Float32Array(16 bytes)');
  });

  it('never lets a field overwrite time, level, source or msg', () => {
    const { logger, lines } = capture({ format: 'json' });
    logger.info('real', { level: 'fake', msg: 'fake', source: 'x', time: 0 });
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(entry).toMatchObject({
      level: 'info',
      msg: 'real',
      source: 'coordinator',
      _level: 'fake',
      _msg: 'fake',
    });
    expect(entry._time).toBe(0);
  });
});

describe('logger levels and children', () => {
  it('drops entries below the level (info by default)', () => {
    const { logger, lines } = capture({ format: 'json' });
    logger.debug('hidden');
    logger.info('shown');
    expect(lines.map((line) => (JSON.parse(line) as { msg: string }).msg)).toEqual(['shown']);
    const strict = capture({ level: 'error' });
    strict.logger.warn('hidden');
    strict.logger.error('shown');
    expect(strict.lines).toHaveLength(1);
  });

  it('gives a child its own source and the parent format, level, clock and sink', () => {
    const { logger, lines } = capture({ format: 'json', level: 'warn' });
    const child = logger.child('worker 3');
    child.info('hidden');
    child.warn('lost', { rank: 3 });
    expect(child.source).toBe('worker 3');
    expect(logger.source).toBe('coordinator');
    expect(JSON.parse(lines[0]!)).toEqual({
      time: '2026-11-25T13:45:00.123Z',
      level: 'warn',
      source: 'worker 3',
      msg: 'lost',
      rank: 3,
    });
  });

  it('refuses an unknown format or level', () => {
    const format = 'xml' as unknown as 'text';
    expect(() => createLogger({ format, source: 's' })).toThrow(ConfigError);
    const level = 'verbose' as unknown as LogLevel;
    expect(() => createLogger({ format: 'text', level, source: 's' })).toThrow(ConfigError);
  });
});

describe('transportLog', () => {
  it("routes the transport's entries to the logger by level, with the other members as fields", () => {
    const { logger, lines } = capture({ format: 'json', level: 'debug' });
    const log = transportLog(logger.child('transport'));
    log({ level: 'warn', msg: 'protocol error', code: 'ERR_PROTOCOL_MALFORMED', closeCode: 1002 });
    log({ level: 'debug', msg: 'closed', peer: 'worker 1' });
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      {
        time: '2026-11-25T13:45:00.123Z',
        level: 'warn',
        source: 'transport',
        msg: 'protocol error',
        code: 'ERR_PROTOCOL_MALFORMED',
        closeCode: 1002,
      },
      {
        time: '2026-11-25T13:45:00.123Z',
        level: 'debug',
        source: 'transport',
        msg: 'closed',
        peer: 'worker 1',
      },
    ]);
  });
});
