/**
 * Something that happens at most once (the run failed, a stop was asked for) and that many waits must notice.
 * Every `race` registers one listener in a set and removes it when its work settles, so a run of a million
 * rounds holds as many listeners as it has waits in progress (one or two), never one per round: a chain of
 * closures, or `Promise.race` against one long-lived promise, would keep a reaction per round until the end.
 *
 * @example
 * const failed = new Trigger<Error>(); const value = await failed.race(work, (error) => { throw error; });
 */
export class Trigger<V> {
  private fired: { readonly value: V } | undefined;
  private readonly listeners = new Set<(value: V) => void>();

  /** Whether `fire` was called. */
  get hasFired(): boolean {
    return this.fired !== undefined;
  }

  /** The value `fire` was called with, or undefined. */
  get value(): V | undefined {
    return this.fired?.value;
  }

  /** Waits in progress (a test hook: it must stay constant over a long run). */
  get listenerCount(): number {
    return this.listeners.size;
  }

  /** Fires once; later calls are ignored. Returns whether this call fired it. */
  fire(value: V): boolean {
    if (this.fired !== undefined) return false;
    this.fired = { value };
    const listeners = [...this.listeners];
    this.listeners.clear();
    for (const listener of listeners) listener(value);
    return true;
  }

  /**
   * Settles with `work`, or, if the trigger fires first (or has fired), with what `onFire` returns or throws.
   * `work` keeps running either way; its later rejection is observed, so it is never reported as unhandled.
   */
  race<T, U = T>(work: Promise<T>, onFire: (value: V) => U): Promise<T | U> {
    if (this.fired !== undefined) {
      work.catch(() => {});
      const { value } = this.fired;
      return new Promise((resolve) => resolve(onFire(value)));
    }
    return new Promise<T | U>((resolve, reject) => {
      const listener = (value: V) => {
        try {
          resolve(onFire(value));
        } catch (error) {
          reject(error);
        }
      };
      this.listeners.add(listener);
      work.then(
        (result) => {
          this.listeners.delete(listener);
          resolve(result);
        },
        (error: unknown) => {
          this.listeners.delete(listener);
          reject(error);
        },
      );
    });
  }
}
