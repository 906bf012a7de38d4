import { describe, expect, it } from 'vitest';
import { Trigger } from '../../src/coordinator/index.js';

describe('Trigger', () => {
  it('holds one listener per wait in progress, however many waits came and went', async () => {
    const trigger = new Trigger<Error>();
    for (let i = 0; i < 10_000; i++) {
      const waiting = trigger.race(Promise.resolve(i), (error) => {
        throw error;
      });
      expect(trigger.listenerCount).toBe(1);
      expect(await waiting).toBe(i);
      expect(trigger.listenerCount).toBe(0);
    }
  });

  it('settles every wait in progress when it fires, and later waits at once', async () => {
    const trigger = new Trigger<string>();
    const never = new Promise<number>(() => {});
    const a = trigger.race(never, (why) => `a: ${why}`);
    const b = trigger.race(never, (why) => {
      throw new Error(`b: ${why}`);
    });
    expect(trigger.fire('lost')).toBe(true);
    expect(trigger.fire('again')).toBe(false);
    await expect(a).resolves.toBe('a: lost');
    await expect(b).rejects.toThrow('b: lost');
    await expect(trigger.race(Promise.resolve(1), (why) => why)).resolves.toBe('lost');
    expect(trigger.value).toBe('lost');
    expect(trigger.listenerCount).toBe(0);
  });
});
