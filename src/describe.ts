/**
 * A received value as an error message shows it: numbers as written, strings quoted, a scheduler by its class,
 * the rest as JSON (cut at 200 characters). Used by every config and argument check.
 *
 * @example
 * describe('0.1'); // '"0.1"'
 */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'function') return 'a function';
  if (value === undefined) return 'nothing';
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && 'className' in value) {
    return `a ${String((value as { className: unknown }).className)} scheduler`;
  }
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
