import type { BenchTransport } from '../bench/index.js';
import { UsageError } from '../errors.js';

const TRANSPORTS: readonly BenchTransport[] = ['auto', 'tcp', 'unix', 'shm'];

/**
 * A bench's `--transport` value, checked: the run config's `transport` for the launches it runs, or undefined to
 * leave the run config's default. Throws UsageError naming the flag, the choices and the value.
 *
 * @example
 * benchTransportFlag('tcp', usage); // 'tcp'
 */
export function benchTransportFlag(raw: string | undefined, usage: string): BenchTransport | undefined {
  if (raw === undefined) return undefined;
  if (!TRANSPORTS.includes(raw as BenchTransport)) {
    throw new UsageError(
      `--transport must be one of ${TRANSPORTS.join(', ')}, received "${raw}"; usage: ${usage}`,
    );
  }
  return raw as BenchTransport;
}
