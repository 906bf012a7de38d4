/**
 * How a message's tensors travel: back to back in one tensor part after the control part, in the canonical
 * order of the message's row in `MESSAGES` (tensor fields in table order, a map's entries in the order the map
 * gives them), listed by one descriptor in the control part:
 *
 *   $tensors: [['params', 235146], ['optimizerState.velocity', 235146]]
 *
 * A map entry's path is `field.key`; a null tensor is sent as `null` in the control part and not listed; an
 * empty map lists nothing. The decoder reads the descriptor against the table before any tensor is built.
 *
 * @example
 * const { control, tensors } = separateTensors(message); // control[TENSOR_DESCRIPTOR_KEY] lists `tensors`
 */
import {
  MESSAGE_TYPES,
  MESSAGES,
  type Message,
  type MessageSpec,
  type TensorFieldSpec,
  type TensorMap,
} from './messages.js';
import { isTensorKey } from './validate.js';
import { malformed } from './wire-errors.js';

/** The control-part key of the descriptor: a list of `[path, floats]`, one per tensor, in sending order. */
export const TENSOR_DESCRIPTOR_KEY = '$tensors';

/** One descriptor entry: a tensor's path (`grad`, `optimizerState.moment1`) and its float count. */
export type TensorEntry = readonly [path: string, floats: number];

/** Where the decoder puts each tensor of a message: `target[key]`, `floats` long, in tensor-part order. */
export interface TensorLayout {
  readonly slots: readonly {
    readonly target: Record<string, unknown>;
    readonly key: string;
    readonly floats: number;
  }[];
  /** Floats of the whole tensor part. */
  readonly floats: number;
}

/** A message type's tensor fields, compiled once from its row. */
interface TensorRow {
  readonly names: readonly string[];
  readonly specs: readonly TensorFieldSpec[];
  /** field name -> position in `names` (a Map, so `constructor` and friends are not fields) */
  readonly index: ReadonlyMap<string, number>;
  /** the most entries a descriptor of this type can hold: bounds the work spent on a hostile one */
  readonly maxEntries: number;
}

const ROWS: ReadonlyMap<string, TensorRow> = new Map(
  MESSAGE_TYPES.map((type) => [type, compileRow(MESSAGES[type])]),
);

/** Stands in for every tensor while its message's other fields are validated. */
const STAND_IN = new Float32Array(0);

function compileRow(spec: MessageSpec): TensorRow {
  const entries = Object.entries(spec.tensors ?? {});
  return {
    names: entries.map(([name]) => name),
    specs: entries.map(([, field]) => field),
    index: new Map(entries.map(([name], i) => [name, i])),
    maxEntries: entries.reduce(
      (sum, [, field]) => sum + (field.kind === 'tensorMap' ? field.maxEntries : 1),
      0,
    ),
  };
}

function rowOf(type: string): TensorRow {
  return ROWS.get(type) as TensorRow;
}

/**
 * Splits a valid message into its control part (every other field, null tensors, and the descriptor when
 * there is at least one tensor) and its tensors in canonical order.
 *
 * @example
 * separateTensors(gradient).tensors; // [gradient.grad]
 */
export function separateTensors(message: Message): {
  readonly control: Record<string, unknown>;
  readonly tensors: readonly Float32Array[];
} {
  const row = rowOf(message.type);
  const fields = message as unknown as Readonly<Record<string, unknown>>;
  const control: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (!row.index.has(key)) control[key] = value;
  }
  const tensors: Float32Array[] = [];
  const entries: TensorEntry[] = [];
  row.names.forEach((name, i) => {
    const value = fields[name];
    if (row.specs[i]?.kind === 'tensorMap') {
      for (const [key, tensor] of Object.entries(value as TensorMap)) {
        entries.push([`${name}.${key}`, tensor.length]);
        tensors.push(tensor);
      }
    } else if (value === null) {
      control[name] = null;
    } else {
      entries.push([name, (value as Float32Array).length]);
      tensors.push(value as Float32Array);
    }
  });
  if (entries.length > 0) control[TENSOR_DESCRIPTOR_KEY] = entries;
  return { control, tensors };
}

/**
 * Reads and removes the descriptor of a received control part (whose `type` is known), and puts a stand-in
 * where each tensor goes so the message can be validated before any tensor is built: a map field becomes a
 * fresh object. Throws ProtocolError (ERR_PROTOCOL_MALFORMED) on a descriptor that does not fit the message's
 * row: an unknown path, a path listed twice or out of table order, a float count that is not a non-negative
 * integer, more entries than the row allows, or a tensor field inside the control part (only a nullable
 * tensor's `null` travels there). Allocates nothing in proportion to the declared float counts.
 *
 * @example
 * const layout = takeTensors(control); // layout.floats: the whole tensor part
 */
export function takeTensors(control: Record<string, unknown>): TensorLayout {
  const type = control['type'] as Message['type'];
  const row = rowOf(type);
  const entries = readEntries(control, type, row);
  const described = new Array<boolean>(row.names.length).fill(false);
  for (const [field] of entries) described[field] = true;
  row.names.forEach((name, i) => {
    const spec = row.specs[i] as TensorFieldSpec;
    if (Object.hasOwn(control, name)) {
      if (described[i]) {
        throw malformed(
          `the ${name} of a ${type} message arrived both in the tensor part and inside the control part`,
        );
      }
      if (spec.kind === 'tensorMap' || !spec.nullable || control[name] !== null) {
        throw malformed(
          `the ${name} of a ${type} message arrived inside the control part: tensors travel in the tensor part, listed by ${TENSOR_DESCRIPTOR_KEY}${spec.kind === 'tensor' && spec.nullable ? ' (or as null)' : ''}`,
        );
      }
    } else if (spec.kind === 'tensorMap') {
      control[name] = {};
    }
  });
  let floats = 0;
  const slots = entries.map(([field, key, count]) => {
    const name = row.names[field] as string;
    const target = key === null ? control : (control[name] as Record<string, unknown>);
    const slot = { target, key: key ?? name, floats: count };
    target[slot.key] = STAND_IN;
    floats += count;
    return slot;
  });
  return { slots, floats };
}

/**
 * Hands each tensor of `layout` its view of `part`, the whole tensor part: no copy. A message's only tensor is
 * `part` itself, so a caller that pools `allocateTensor` arrays gets its own array back.
 *
 * @example
 * fillTensors(layout, new Float32Array(layout.floats));
 */
export function fillTensors(layout: TensorLayout, part: Float32Array): void {
  if (layout.slots.length === 1) {
    const only = layout.slots[0]!;
    only.target[only.key] = part;
    return;
  }
  let offset = 0;
  for (const slot of layout.slots) {
    slot.target[slot.key] = part.subarray(offset, offset + slot.floats);
    offset += slot.floats;
  }
}

/** The descriptor's entries as [field index, map key or null, floats], checked against the row; [] if absent. */
function readEntries(
  control: Record<string, unknown>,
  type: string,
  row: TensorRow,
): readonly (readonly [number, string | null, number])[] {
  if (!Object.hasOwn(control, TENSOR_DESCRIPTOR_KEY)) return [];
  const value = control[TENSOR_DESCRIPTOR_KEY];
  delete control[TENSOR_DESCRIPTOR_KEY];
  if (row.names.length === 0) throw malformed(`a ${type} message carries no tensors, but lists some`);
  if (!Array.isArray(value)) {
    throw malformed(`the ${TENSOR_DESCRIPTOR_KEY} descriptor must be a list of [path, floats]`);
  }
  if (value.length > row.maxEntries) {
    throw malformed(
      `the ${TENSOR_DESCRIPTOR_KEY} descriptor lists ${value.length} tensors; a ${type} message has room for ${row.maxEntries}`,
    );
  }
  const seen = new Set<string>();
  const perField = new Array<number>(row.names.length).fill(0);
  let last = 0;
  return value.map((entry: unknown) => {
    if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== 'string') {
      throw malformed(`each ${TENSOR_DESCRIPTOR_KEY} entry must be [path, floats]`);
    }
    const [path, floats] = entry as [string, unknown];
    if (typeof floats !== 'number' || !Number.isSafeInteger(floats) || floats < 0) {
      throw malformed(
        `the float count of ${quote(path)} must be a non-negative integer, received ${String(floats).slice(0, 40)}`,
      );
    }
    const dot = path.indexOf('.');
    const name = dot < 0 ? path : path.slice(0, dot);
    const key = dot < 0 ? null : path.slice(dot + 1);
    const field = row.index.get(name);
    const spec = field === undefined ? undefined : row.specs[field];
    const isMap = spec?.kind === 'tensorMap';
    if (field === undefined || spec === undefined || isMap !== (key !== null)) {
      throw malformed(`${quote(path)} is not a tensor of a ${type} message; its tensors are ${pathsOf(row)}`);
    }
    if (spec.kind === 'tensorMap' && !isTensorKey(key as string, spec)) {
      throw malformed(
        `${quote(path)} names an entry of ${name} whose key is not a plain identifier of at most ${spec.maxKeyLength} characters`,
      );
    }
    if (seen.has(path)) throw malformed(`the ${TENSOR_DESCRIPTOR_KEY} descriptor lists ${quote(path)} twice`);
    if (field < last) {
      throw malformed(
        `the ${TENSOR_DESCRIPTOR_KEY} descriptor lists ${quote(path)} after ${row.names[last]}: tensors travel in table order (${pathsOf(row)})`,
      );
    }
    const count = (perField[field] ?? 0) + 1;
    if (spec.kind === 'tensorMap' && count > spec.maxEntries) {
      throw malformed(
        `the ${name} of a ${type} message holds at most ${spec.maxEntries} tensors, the descriptor lists more`,
      );
    }
    seen.add(path);
    perField[field] = count;
    last = field;
    return [field, key, floats] as const;
  });
}

function pathsOf(row: TensorRow): string {
  return row.names.map((name, i) => (row.specs[i]?.kind === 'tensorMap' ? `${name}.<key>` : name)).join(', ');
}

function quote(path: string): string {
  return JSON.stringify(path.length > 80 ? `${path.slice(0, 80)}…` : path);
}
