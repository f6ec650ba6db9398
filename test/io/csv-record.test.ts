import { describe, expect, it } from 'vitest';
import { parseCsvRecord } from '../../src/io/csv-record.js';

describe('parseCsvRecord (RFC 4180 basics)', () => {
  it.each([
    ['1,2,3', ['1', '2', '3']],
    ['a,,c', ['a', '', 'c']],
    ['', ['']],
    [',', ['', '']],
    ['"a,b",2', ['a,b', '2']],
    ['"say ""hi""",x', ['say "hi"', 'x']],
    ['1, "b" ,3', ['1', 'b', '3']],
    ['"",""', ['', '']],
    ['x,"y"', ['x', 'y']],
  ])('%j -> %j', (line, cells) => {
    expect(parseCsvRecord(line)).toEqual({ ok: true, cells });
  });

  it.each([
    ['"open,1', /unterminated quoted cell 1/],
    ['1,"a"b', /after the closing quote of cell 2/],
    ['1,a"b', /quote inside unquoted cell 2/],
  ])('%j is not a record', (line, reason) => {
    const record = parseCsvRecord(line);
    expect(record.ok).toBe(false);
    if (!record.ok) expect(record.message).toMatch(reason);
  });
});
