/**
 * The name a typo most likely meant, for the "Did you mean …?" of refused keys, flags, scheduler and optimizer
 * names alike.
 */

/**
 * The known key with the same letters ignoring case and separators, else the nearest within a few edits (a third
 * of the key's length, at least one); undefined when none is that close.
 *
 * @example
 * closestKey('batchsize', ['batch_size', 'seed']); // 'batch_size'
 */
export function closestKey<K extends string>(key: string, known: readonly K[]): K | undefined {
  const squash = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
  const target = squash(key);
  let best: K | undefined;
  let bestDistance = Math.max(1, Math.floor(target.length / 3)) + 1;
  for (const candidate of known) {
    const distance = editDistance(target, squash(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}
