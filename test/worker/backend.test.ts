import { afterEach, describe, expect, it, vi } from 'vitest';
import { BackendError } from '../../src/errors.js';
import { selectBackend } from '../../src/worker/index.js';

describe('selectBackend', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('picks wasm when tfjs-node is not installed, and says why tensorflow was passed over', async () => {
    const { tf, backend, unavailable } = await selectBackend();
    expect(backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(unavailable.map((u) => u.backend)).toEqual(['tensorflow']);
    expect(unavailable[0]!.reason).toMatch(/tfjs-node/);
    expect(tf.tidy(() => tf.sum(tf.tensor1d([1, 2, 3])).dataSync()[0])).toBe(6);
  });

  it('honours an explicit cpu preference, without the tfjs-node banner and with PROD mode restored', async () => {
    const warn = vi.spyOn(console, 'warn');
    const log = vi.spyOn(console, 'log');
    const { tf, backend, unavailable } = await selectBackend('cpu');
    expect(backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(unavailable).toEqual([]);
    tf.tidy(() => tf.add(tf.tensor1d([1]), tf.tensor1d([2])).dataSync());
    const printed = [...warn.mock.calls, ...log.mock.calls].flat().join('\n');
    expect(printed).not.toMatch(/node backend/);
    expect(tf.env().getBool('PROD')).toBe(false);
  });

  it('switches back to an explicitly requested wasm', async () => {
    const { tf, backend } = await selectBackend('wasm');
    expect(backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('refuses an explicit tensorflow preference it cannot satisfy instead of falling back', async () => {
    const error = await selectBackend('tensorflow').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect(error).toMatchObject({ code: 'ERR_BACKEND_UNAVAILABLE', backend: 'tensorflow' });
    expect((error as BackendError).message).toMatch(/'tensorflow'.*tfjs-node/);
    expect((error as BackendError).cause).toBeInstanceOf(Error);
  });

  it('checks what setBackend returns: false fails an explicit wasm and makes the default fall back to cpu', async () => {
    const { tf } = await selectBackend('wasm');
    // tf.setBackend delegates to the engine; make the wasm initialization "fail" as it can in the field.
    const engine = tf.engine();
    const original = engine.setBackend.bind(engine);
    vi.spyOn(engine, 'setBackend').mockImplementation(async (name) =>
      name === 'wasm' ? false : original(name),
    );
    await expect(selectBackend('wasm')).rejects.toMatchObject({
      code: 'ERR_BACKEND_UNAVAILABLE',
      backend: 'wasm',
    });
    await expect(selectBackend('wasm')).rejects.toThrow(/returned false/);
    const fallback = await selectBackend();
    expect(fallback.backend).toBe('cpu');
    expect(fallback.tf.getBackend()).toBe('cpu');
    expect(fallback.unavailable.map((u) => u.backend)).toEqual(['tensorflow', 'wasm']);
  });

  it('refuses an unknown backend name', async () => {
    await expect(selectBackend('webgpu' as 'cpu')).rejects.toMatchObject({
      code: 'ERR_BACKEND_UNAVAILABLE',
      backend: 'webgpu',
    });
  });
});
