/** The width assumed when nothing says otherwise: the classic terminal's. */
export const DEFAULT_COLUMNS = 80;

/**
 * How many columns a line written to `stream` may use: the terminal's own width when the stream is one, else
 * `COLUMNS` from the environment (set by shells and CI runners that know it), else 80.
 *
 * @example
 * terminalWidth({ isTTY: false }, { COLUMNS: '120' }); // 120
 */
export function terminalWidth(
  stream: { readonly isTTY?: boolean; readonly columns?: number },
  env: Readonly<Record<string, string | undefined>>,
): number {
  if (stream.isTTY === true && stream.columns !== undefined && stream.columns > 0) return stream.columns;
  const fromEnv = Number(env.COLUMNS);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : DEFAULT_COLUMNS;
}
