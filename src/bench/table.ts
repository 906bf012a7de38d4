/** How a column's cells line up. */
export type Align = 'left' | 'right';

/**
 * Lays out a plain-text table: a header row, a rule of dashes, then the rows, every column padded to its
 * widest cell and separated by two spaces.
 *
 * @example
 * formatTable(['case', 'ms'], [['N=2 P=1e3', '0.41']], ['left', 'right']); // ['case       ms', '---------  ----', 'N=2 P=1e3  0.41']
 */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  align: readonly Align[],
): string[] {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    widths
      .map((width, column) => {
        const cell = cells[column] ?? '';
        return align[column] === 'right' ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)];
}
