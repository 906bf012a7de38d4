import { ARRIVAL_LOG_FORMAT, ARRIVAL_LOG_VERSION } from './arrival-log.js';

/** The rules a header and an entry follow, shared by the writer (refuse before writing) and the reader (refuse what it reads). */

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const HASH = /^[0-9a-f]{64}$/;

type Fields = Readonly<Record<string, unknown>>;

function isObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  return value === undefined ? 'nothing' : (JSON.stringify(value) ?? String(value));
}

function count(fields: Fields, key: string, min: number): string | null {
  const v = fields[key];
  return Number.isSafeInteger(v) && (v as number) >= min
    ? null
    : `${key} must be an integer ≥ ${min}, received ${show(v)}`;
}

/** A float64 the line must give back bit for bit: JSON has no NaN or ±Infinity, and writes -0 as 0. */
function exactFloat(fields: Fields, key: string): string | null {
  const v = fields[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    return `${key} must be a finite number, received ${typeof v === 'number' ? String(v) : show(v)}`;
  }
  return Object.is(v, -0) ? `${key} must not be -0, which JSON reads back as 0` : null;
}

function booleanOrNull(fields: Fields, key: string): string | null {
  const v = fields[key];
  return typeof v === 'boolean' || v === null
    ? null
    : `${key} must be true, false or null, received ${show(v)}`;
}

function text(fields: Fields, key: string): string | null {
  const v = fields[key];
  return typeof v === 'string' && v !== '' ? null : `${key} must be a non-empty string, received ${show(v)}`;
}

function digest(fields: Fields, key: string): string | null {
  const v = fields[key];
  return typeof v === 'string' && DIGEST.test(v)
    ? null
    : `${key} must be a digest 'sha256:' + 64 hex digits, received ${show(v)}`;
}

/** Keys beyond `allowed` (a line the writer did not write) or missing from it. */
export function keysProblem(
  fields: Fields,
  allowed: readonly string[],
  where = '',
  optional: readonly string[] = [],
): string | null {
  const extra = Object.keys(fields).filter((k) => !allowed.includes(k));
  if (extra.length > 0) return `unknown key ${extra.map((k) => `"${k}"`).join(', ')}${where}`;
  const missing = allowed.filter((k) => !optional.includes(k) && !Object.hasOwn(fields, k));
  return missing.length > 0 ? `missing key ${missing.map((k) => `"${k}"`).join(', ')}${where}` : null;
}

/** What is wrong with a header's format or version, or null; checked first, since other fields mean nothing in a log of another version. */
export function versionProblem(value: unknown): string | null {
  if (!isObject(value)) return `the header must be a JSON object, received ${show(value)}`;
  if (value['format'] !== ARRIVAL_LOG_FORMAT) {
    return `format must be "${ARRIVAL_LOG_FORMAT}", received ${show(value['format'])}: this is not an arrival log`;
  }
  if (value['version'] !== ARRIVAL_LOG_VERSION) {
    return (
      `version ${show(value['version'])} is not one this dptrain reads (it reads version ${ARRIVAL_LOG_VERSION}): ` +
      'read the log with the dptrain release that wrote it'
    );
  }
  return null;
}

/** The first thing wrong with a header, or null. */
export function headerProblem(value: unknown): string | null {
  const problem = versionProblem(value);
  if (problem !== null || !isObject(value)) return problem;
  const build = value['build'];
  if (!isObject(build)) return `build must be an object { simd, threads }, received ${show(build)}`;
  return (
    text(value, 'backend') ??
    booleanOrNull(build, 'simd') ??
    booleanOrNull(build, 'threads') ??
    (value['threadCount'] === null ? null : count(value, 'threadCount', 1)) ??
    count(value, 'workers', 1) ??
    text(value, 'task') ??
    count(value, 'seed', 0) ??
    digest(value, 'paramsDigest0')
  );
}

/** The first thing wrong with an entry's fields, or null; cheap enough for append, which runs per gradient. */
export function entryProblem(value: unknown): string | null {
  if (!isObject(value)) return `an entry must be a JSON object, received ${show(value)}`;
  const code = value['code'];
  return (
    count(value, 'i', 0) ??
    count(value, 'step', 0) ??
    count(value, 'rank', 0) ??
    (value['shard'] === undefined ? null : count(value, 'shard', 0)) ??
    count(value, 'read', 0) ??
    count(value, 'epoch', 0) ??
    count(value, 'position', 0) ??
    count(value, 'tau', 0) ??
    exactFloat(value, 'scale') ??
    exactFloat(value, 'lr') ??
    (typeof value['applied'] === 'boolean'
      ? null
      : `applied must be true or false, received ${show(value['applied'])}`) ??
    (code === null || (typeof code === 'string' && code !== '')
      ? null
      : `code must be null or a non-empty string, received ${show(code)}`) ??
    digest(value, 'grad')
  );
}

/** Whether a line's `hash` has the form the writer gives it (64 lowercase hex digits). */
export function isHash(value: unknown): value is string {
  return typeof value === 'string' && HASH.test(value);
}
