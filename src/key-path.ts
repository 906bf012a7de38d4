/** A plain object (not null, not an array), as configs nest them. @example isMapping({ a: 1 }); // true */
export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A config key path with one more key: `joinKeyPath('lr', 'gamma')` is `lr.gamma`; the root is ''. */
export function joinKeyPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}
