import {
  type FieldSpec,
  MESSAGE_TYPES,
  MESSAGES,
  type Message,
  type MessageSpec,
  type MessageType,
  TENSOR_KEY_PATTERN,
  type TensorFieldSpec,
  type TensorMapField,
} from './messages.js';

/** Why a value is not a message. */
export type IssueCode =
  /** a value of the wrong JavaScript type (or not a plain object) */
  | 'invalid_type'
  /** a field the message requires is absent */
  | 'required'
  /** a key the message does not define */
  | 'unrecognized_key'
  /** a `type` the protocol does not define */
  | 'unknown_type'
  /** a number that must be an integer is not */
  | 'not_integer'
  /** NaN or ±Infinity where a finite number is required */
  | 'not_finite'
  /** a number below its minimum */
  | 'too_small'
  /** a string (or nested record, or tensor map) beyond its bound */
  | 'too_big'
  /** a tensor map key that is not a plain identifier within its length bound */
  | 'invalid_key';

/** One reason a value was refused: `path` locates it (`['rank']`, `['config', 'optimizer', 'lr']`). */
export interface Issue {
  readonly code: IssueCode;
  readonly path: readonly (string | number)[];
  readonly message: string;
}

export type ValidationResult =
  | { readonly ok: true; readonly value: Message }
  | { readonly ok: false; readonly issues: readonly Issue[] };

/** How deep a `RunSpec` may nest; deeper values are refused rather than walked. */
export const MAX_RECORD_DEPTH = 32;

type Path = readonly (string | number)[];
type Check = (value: unknown, path: Path, issues: Issue[]) => void;
type MessageCheck = (value: Readonly<Record<string, unknown>>, issues: Issue[]) => void;

const ALLOWED_TYPES = MESSAGE_TYPES.join(', ');

/** Built once: one compiled check per message type. */
const CHECKS: ReadonlyMap<string, MessageCheck> = new Map(
  MESSAGE_TYPES.map((type) => [type, compileMessage(MESSAGES[type])]),
);

/**
 * Checks that `value` is a protocol message: a plain object with a known `type`, every field of the right
 * type and range, and no other keys. Never throws. Tensor elements are not scanned (NaN gradients are the
 * coordinator's policy). On success `value` is returned as is, not copied.
 *
 * @example
 * const result = validateMessage({ type: 'heartbeat', sentAt: Date.now() }); // { ok: true, value: … }
 */
export function validateMessage(value: unknown): ValidationResult {
  try {
    return validate(value);
  } catch (error) {
    // Only exotic inputs get here (a Proxy whose traps throw); wire input is plain data.
    const reason = error instanceof Error ? error.message : String(error);
    return fail([{ code: 'invalid_type', path: [], message: `message could not be read: ${reason}` }]);
  }
}

/** Whether `type` names a protocol message. */
export function isMessageType(type: unknown): type is MessageType {
  return typeof type === 'string' && CHECKS.has(type);
}

function validate(value: unknown): ValidationResult {
  if (!isPlainObject(value)) {
    return fail([
      {
        code: 'invalid_type',
        path: [],
        message: `message must be a plain object, received ${describe(value)}`,
      },
    ]);
  }
  const type = value['type'];
  if (typeof type !== 'string') {
    const code = type === undefined ? 'required' : 'invalid_type';
    return fail([
      { code, path: ['type'], message: `type must be one of ${ALLOWED_TYPES}, received ${describe(type)}` },
    ]);
  }
  const check = CHECKS.get(type);
  if (check === undefined) {
    return fail([
      {
        code: 'unknown_type',
        path: ['type'],
        message: `type must be one of ${ALLOWED_TYPES}, received ${describe(type)}`,
      },
    ]);
  }
  const issues: Issue[] = [];
  check(value, issues);
  return issues.length === 0 ? { ok: true, value: value as unknown as Message } : fail(issues);
}

function fail(issues: readonly Issue[]): ValidationResult {
  return { ok: false, issues };
}

function compileMessage(spec: MessageSpec): MessageCheck {
  const checks = new Map<string, Check>(
    Object.entries(spec.fields).map(([key, field]) => [key, compileField(field)]),
  );
  for (const [key, field] of Object.entries(spec.tensors ?? {})) checks.set(key, compileTensorField(field));
  return (value, issues) => {
    for (const [key, check] of checks) {
      if (!Object.hasOwn(value, key)) {
        issues.push({ code: 'required', path: [key], message: `${key} is required` });
      } else {
        check(value[key], [key], issues);
      }
    }
    for (const key of Object.keys(value)) {
      if (key !== 'type' && !checks.has(key)) {
        issues.push({
          code: 'unrecognized_key',
          path: [key],
          message: `${key} is not a field of ${String(value['type'])}; allowed: ${[...checks.keys()].join(', ')}`,
        });
      }
    }
  };
}

function compileField(spec: FieldSpec): Check {
  switch (spec.kind) {
    case 'nullable': {
      const inner = compileField(spec.inner);
      return (value, path, issues) => {
        if (value !== null) inner(value, path, issues);
      };
    }
    case 'integer':
      return (value, path, issues) => {
        if (typeof value !== 'number') {
          issues.push(issue('invalid_type', path, `an integer ≥ ${spec.min}`, value));
        } else if (!Number.isSafeInteger(value)) {
          issues.push(issue('not_integer', path, `an integer ≥ ${spec.min}`, value));
        } else if (value < spec.min) {
          issues.push(issue('too_small', path, `an integer ≥ ${spec.min}`, value));
        }
      };
    case 'number': {
      const rule = `a ${spec.finite ? 'finite ' : ''}number${spec.min > Number.NEGATIVE_INFINITY ? ` ≥ ${spec.min}` : ''}`;
      return (value, path, issues) => {
        if (typeof value !== 'number') {
          issues.push(issue('invalid_type', path, rule, value));
        } else if (spec.finite && !Number.isFinite(value)) {
          issues.push(issue('not_finite', path, rule, value));
        } else if (value < spec.min) {
          issues.push(issue('too_small', path, rule, value));
        }
      };
    }
    case 'string': {
      const rule = `a string of at most ${spec.maxBytes} UTF-8 bytes`;
      return (value, path, issues) => {
        if (typeof value !== 'string') {
          issues.push(issue('invalid_type', path, rule, value));
        } else if (value.length * 3 > spec.maxBytes && Buffer.byteLength(value, 'utf8') > spec.maxBytes) {
          issues.push({
            code: 'too_big',
            path,
            message: `${label(path)} must be ${rule}, received ${Buffer.byteLength(value, 'utf8')} bytes`,
          });
        }
      };
    }
    case 'boolean':
      return (value, path, issues) => {
        if (typeof value !== 'boolean') issues.push(issue('invalid_type', path, 'true or false', value));
      };
    case 'record':
      return (value, path, issues) => {
        if (!isPlainObject(value)) {
          issues.push(issue('invalid_type', path, 'a plain object', value));
        } else {
          checkPlainData(value, path, 0, issues);
        }
      };
  }
}

function compileTensorField(spec: TensorFieldSpec): Check {
  if (spec.kind === 'tensorMap') return tensorMapCheck(spec);
  const rule = spec.nullable ? 'a Float32Array or null' : 'a Float32Array';
  return (value, path, issues) => {
    if (!(value instanceof Float32Array) && !(spec.nullable && value === null)) {
      issues.push(issue('invalid_type', path, rule, value));
    }
  };
}

function tensorMapCheck(spec: TensorMapField): Check {
  const keyRule = `a plain identifier (letters, digits, _) of at most ${spec.maxKeyLength} characters`;
  return (value, path, issues) => {
    if (!isPlainObject(value)) {
      issues.push(issue('invalid_type', path, 'a plain object of Float32Arrays', value));
      return;
    }
    const keys = Object.keys(value);
    if (keys.length > spec.maxEntries) {
      // Stop here: a hostile map must not cost one issue per entry.
      issues.push({
        code: 'too_big',
        path,
        message: `${label(path)} must hold at most ${spec.maxEntries} tensors, received ${keys.length}`,
      });
      return;
    }
    for (const key of keys) {
      if (!isTensorKey(key, spec)) {
        issues.push({
          code: 'invalid_key',
          path: [...path, key],
          message: `${label(path)} keys must be ${keyRule}, received ${describe(key)}`,
        });
      } else if (!(value[key] instanceof Float32Array)) {
        issues.push(issue('invalid_type', [...path, key], 'a Float32Array', value[key]));
      }
    }
  };
}

/**
 * Whether `key` may name an entry of a tensor map with the bounds of `spec`.
 *
 * @example
 * isTensorKey('beta1_pow_acc', MESSAGES.welcome.tensors.optimizerState); // true
 */
export function isTensorKey(key: string, spec: TensorMapField): boolean {
  return key.length <= spec.maxKeyLength && TENSOR_KEY_PATTERN.test(key);
}

/** Walks a RunSpec: only what msgpack carries unchanged (no typed arrays, dates, maps or undefined). */
function checkPlainData(value: unknown, path: Path, depth: number, issues: Issue[]): void {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return;
  if (depth >= MAX_RECORD_DEPTH) {
    issues.push({
      code: 'too_big',
      path,
      message: `${label(path)} nests deeper than ${MAX_RECORD_DEPTH} levels`,
    });
    return;
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) checkPlainData(item, [...path, index], depth + 1, issues);
  } else if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (key === '__proto__') {
        // msgpackr renames this key on decode (prototype-pollution guard), so it cannot travel.
        issues.push({
          code: 'unrecognized_key',
          path: [...path, key],
          message: `${label([...path, key])} is a key that cannot be sent`,
        });
      } else {
        checkPlainData(item, [...path, key], depth + 1, issues);
      }
    }
  } else {
    issues.push(
      issue('invalid_type', path, 'plain data (objects, arrays, strings, numbers, booleans, null)', value),
    );
  }
}

function isPlainObject(value: unknown): value is Readonly<Record<string, unknown>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function issue(code: IssueCode, path: Path, rule: string, value: unknown): Issue {
  return { code, path, message: `${label(path)} must be ${rule}, received ${describe(value)}` };
}

function label(path: Path): string {
  return path.length === 0 ? 'message' : path.join('.');
}

/** A short rendering of a received value for an issue message; never throws, never long. */
function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null || value === undefined || typeof value === 'boolean') return String(value);
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') {
    const prototype: unknown = Object.getPrototypeOf(value);
    return prototype === Object.prototype || prototype === null
      ? 'an object'
      : `a ${value.constructor?.name ?? 'object'}`;
  }
  return `a ${typeof value}`;
}
