/**
 * Plain-text tables: columns padded to their widest cell, the header first. Cells must not carry
 * colour codes (they would count as width); colour the whole row afterwards if needed.
 */
export interface TableOptions {
  /** Columns (0-based) aligned right, such as counts. */
  readonly alignRight?: readonly number[];
}

/** The header and each row as one line; trailing spaces trimmed. */
export const renderTable = (
  header: readonly string[],
  rows: readonly (readonly string[])[],
  options: TableOptions = {},
): string[] => {
  const right = new Set(options.alignRight ?? []);
  const widths = header.map((title, column) =>
    Math.max([...title].length, ...rows.map((row) => [...(row[column] ?? "")].length)),
  );
  const line = (cells: readonly string[]) =>
    widths
      .map((width, column) => {
        const cell = cells[column] ?? "";
        const pad = " ".repeat(width - [...cell].length);
        return right.has(column) ? pad + cell : cell + pad;
      })
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)];
};
