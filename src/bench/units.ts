/**
 * Bytes in decimal units with one decimal: `2.8 GB`, `640.0 MB`.
 *
 * @example
 * formatBytes(2_800_000_000); // '2.8 GB'
 */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${(bytes / 1e3).toFixed(1)} kB`;
}
