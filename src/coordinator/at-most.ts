/**
 * Waits for `work`, but no longer than `ms`; whatever `work` does later is ignored. Its timer is always cleared,
 * so a finished run is never kept alive by a wait that no longer matters (the cause of the old 60 s launcher hang).
 *
 * @example
 * await atMost(2_000, connection.send(stop)); // a worker that does not read does not hold the end of the run
 */
export async function atMost(ms: number, work: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const elapsed = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  try {
    await Promise.race([work, elapsed]);
  } finally {
    clearTimeout(timer);
  }
}
