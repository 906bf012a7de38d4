import { BackendError } from '../errors.js';
import type { Tf } from '../tasks/index.js';

/** The TensorFlow.js backends a worker can run on, fastest first. */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/** All {@link BackendName}s in the order {@link selectBackend} tries them. */
export const BACKEND_NAMES: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

/** The active backend, its tf namespace, and why faster backends were passed over. */
export interface SelectedBackend {
  readonly tf: Tf;
  readonly backend: BackendName;
  /** Backends tried before this one and the reason each failed (empty when the first choice worked). */
  readonly unavailable: readonly { readonly backend: BackendName; readonly reason: string }[];
  /**
   * What the bits of a gradient depend on beyond the backend's name, e.g. `wasm (simd, 1 thread)`: an async
   * replay is bit-exact only on the same build.
   */
  readonly build: string;
}

/**
 * The backend's build as one label: SIMD and the thread count for wasm (one thread is forced, so the order of
 * float additions never depends on scheduling), the name alone for the others.
 */
function buildLabel(tf: Tf, name: BackendName, threads: number | null): string {
  if (name !== 'wasm') return name;
  const env = tf.env();
  const simd = env.getBool('WASM_HAS_SIMD_SUPPORT') ? 'simd' : 'no simd';
  const count = threads ?? 1;
  return `wasm (${simd}, ${count} thread${count === 1 ? '' : 's'})`;
}

// A variable, not a literal: the package is optional and usually absent, so neither TypeScript
// nor a bundler may try to resolve it.
const TFJS_NODE: string = '@tensorflow/tfjs-node';

function isTf(value: unknown): value is Tf {
  return typeof value === 'object' && value !== null && typeof (value as Tf).setBackend === 'function';
}

/** Importing a CommonJS package from ESM yields `{ default: module.exports, …named }`: prefer the whole object. */
function namespaceOf(module: unknown, name: string): Tf {
  const fallback = (module as { default?: unknown } | null)?.default;
  if (isTf(fallback)) return fallback;
  if (isTf(module)) return module;
  throw new Error(`${name} does not export a TensorFlow.js namespace (no setBackend function)`);
}

async function loadTfjs(): Promise<Tf> {
  return namespaceOf(await import('@tensorflow/tfjs'), '@tensorflow/tfjs');
}

async function loadBackend(name: BackendName): Promise<Tf> {
  switch (name) {
    case 'tensorflow':
      return namespaceOf(await import(TFJS_NODE), TFJS_NODE);
    case 'wasm': {
      const tf = await loadTfjs();
      const wasm = (await import('@tensorflow/tfjs-backend-wasm')) as {
        setThreadsCount?: (n: number) => void;
      };
      // One thread: a multi-threaded kernel may split a sum differently from run to run (Node has none today).
      wasm.setThreadsCount?.(1);
      return tf;
    }
    case 'cpu':
      return loadTfjs();
  }
}

/**
 * The cpu backend prints a "install our node backend" banner on its first tensor in Node. tfjs mutes
 * its warnings in PROD mode: turn that on for one tiny tensor, then restore the user's setting.
 */
function quietCpuBanner(tf: Tf): void {
  const env = tf.env();
  const prod = env.getBool('PROD');
  env.set('PROD', true);
  try {
    tf.tensor1d([0]).dispose();
  } finally {
    env.set('PROD', prod);
  }
}

async function activate(name: BackendName): Promise<Tf> {
  const tf = await loadBackend(name);
  // setBackend resolves to false (after a console warning) when the backend fails to initialize,
  // leaving the previous backend active: the result must be checked.
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tf.setBackend('${name}') returned false (the backend failed to initialize)`);
  await tf.ready();
  if (tf.getBackend() !== name)
    throw new Error(`tf.getBackend() is '${tf.getBackend()}' after setBackend('${name}')`);
  if (name === 'cpu') quietCpuBanner(tf);
  return tf;
}

async function wasmThreads(name: BackendName): Promise<number | null> {
  if (name !== 'wasm') return null;
  const wasm = (await import('@tensorflow/tfjs-backend-wasm')) as { getThreadsCount?: () => number };
  return wasm.getThreadsCount?.() ?? null;
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Activates a TensorFlow.js backend and returns its tf namespace. Without a preference it tries
 * `tensorflow` (`@tensorflow/tfjs-node`, optional: any import error means "not available"), then `wasm`
 * (`@tensorflow/tfjs-backend-wasm`), then `cpu`. An explicit preference that cannot be activated throws a
 * {@link BackendError} naming the backend and the reason; it never falls back silently.
 *
 * @example
 * const { tf, backend } = await selectBackend(); // backend: 'wasm' where tfjs-node is not installed
 */
export async function selectBackend(preferred?: BackendName): Promise<SelectedBackend> {
  if (preferred !== undefined && !BACKEND_NAMES.includes(preferred)) {
    throw new BackendError(
      String(preferred),
      `backend must be one of ${BACKEND_NAMES.join(', ')}, received '${String(preferred)}'`,
    );
  }
  const candidates = preferred === undefined ? BACKEND_NAMES : [preferred];
  const unavailable: { backend: BackendName; reason: string }[] = [];
  for (const backend of candidates) {
    try {
      const tf = await activate(backend);
      return { tf, backend, unavailable, build: buildLabel(tf, backend, await wasmThreads(backend)) };
    } catch (error) {
      if (preferred !== undefined) {
        throw new BackendError(
          backend,
          `backend '${backend}' was requested but cannot be activated: ${reasonOf(error)}; ` +
            `choose another backend or omit the preference to use the fastest available one`,
          { cause: error },
        );
      }
      unavailable.push({ backend, reason: reasonOf(error) });
    }
  }
  throw new BackendError(
    'cpu',
    `no TensorFlow.js backend could be activated: ${unavailable.map((u) => `${u.backend}: ${u.reason}`).join('; ')}`,
  );
}
