/** The cells of one CSV line, or why it is not a record. */
export type CsvRecord = { readonly ok: true; readonly cells: string[] } | { readonly ok: false; readonly message: string };

const QUOTE = '"';

/**
 * Split one CSV line into its cells (RFC 4180 basics): cells separated by commas; a
 * cell in double quotes may hold commas, and "" for a quote. A line break inside
 * quotes is not supported (a record is one line): such a line is unterminated.
 */
export function parseCsvRecord(line: string): CsvRecord {
  if (!line.includes(QUOTE)) return { ok: true, cells: line.split(',') };
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    // Spaces before an opening quote are allowed (`a, "b"`).
    let start = i;
    while (line[start] === ' ' || line[start] === '\t') start++;
    if (line[start] === QUOTE) {
      let cell = '';
      let j = start + 1;
      for (;;) {
        const close = line.indexOf(QUOTE, j);
        if (close < 0) return { ok: false, message: `unterminated quoted cell ${cells.length + 1} (a line break inside quotes is not supported)` };
        cell += line.slice(j, close);
        if (line[close + 1] === QUOTE) {
          cell += QUOTE;
          j = close + 2;
          continue;
        }
        j = close + 1;
        break;
      }
      while (line[j] === ' ' || line[j] === '\t') j++;
      cells.push(cell);
      if (j === line.length) return { ok: true, cells };
      if (line[j] !== ',') return { ok: false, message: `unexpected text after the closing quote of cell ${cells.length}` };
      i = j + 1;
      continue;
    }
    const comma = line.indexOf(',', i);
    const end = comma < 0 ? line.length : comma;
    const cell = line.slice(i, end);
    if (cell.includes(QUOTE)) return { ok: false, message: `a quote inside unquoted cell ${cells.length + 1} (quote the whole cell and double the quote: "a""b")` };
    cells.push(cell);
    if (comma < 0) return { ok: true, cells };
    i = comma + 1;
  }
}
