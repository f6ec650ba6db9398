import { describe, expect, it } from 'vitest';
import { splitLines, type LineBatch } from '../../src/io/line-source.js';

async function* chunks(...parts: (string | Buffer)[]): AsyncGenerator<Buffer> {
  for (const part of parts) yield typeof part === 'string' ? Buffer.from(part, 'utf8') : part;
}

async function lines(max: number, ...parts: (string | Buffer)[]): Promise<{ all: LineBatch['lines'][number][]; numbers: number[] }> {
  const all: LineBatch['lines'][number][] = [];
  const numbers: number[] = [];
  for await (const batch of splitLines(chunks(...parts), max)) {
    batch.lines.forEach((line, i) => {
      all.push(line);
      numbers.push(batch.firstLineNumber + i);
    });
  }
  return { all, numbers };
}

describe('splitLines', () => {
  it('splits across reads, numbers the lines, drops CR before LF, keeps blank lines and a last line without LF', async () => {
    const { all, numbers } = await lines(1000, 'ab', 'c\r\nde\n\nf', 'g\nh');
    expect(all).toEqual(['abc', 'de', '', 'fg', 'h']);
    expect(numbers).toEqual([1, 2, 3, 4, 5]);
  });

  it('skips a UTF-8 BOM at the start only, and joins a multi-byte character split between reads', async () => {
    const euro = Buffer.from('€', 'utf8');
    const { all } = await lines(1000, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('x,y\n1'), euro.subarray(0, 1)]), Buffer.concat([euro.subarray(1), Buffer.from('\n\ufeffz\n')]));
    expect(all).toEqual(['x,y', '1€', '\ufeffz']);
  });

  it('refuses a line longer than the limit, counting its bytes, and goes on with the next line', async () => {
    const { all, numbers } = await lines(10, '[1]\n0123456789A', 'BCDEF', 'GH\n[2]\n', 'x'.repeat(11), '\n', '€€€€\n');
    expect(all).toEqual(['[1]', { overlong: true, bytes: 18 }, '[2]', { overlong: true, bytes: 11 }, { overlong: true, bytes: 12 }]);
    expect(numbers).toEqual([1, 2, 3, 4, 5]);
    // Exactly at the limit is fine; an overlong last line without a line break too is refused.
    expect((await lines(3, 'abc\n€\nabcd')).all).toEqual(['abc', '€', { overlong: true, bytes: 4 }]);
  });

  it('drops the pieces of an overlong line as they come (never holds more than the limit)', async () => {
    // 20 reads of 1 MiB without a line break, with a limit of 1 KiB: the splitter only counts them.
    const mib = Buffer.alloc(1 << 20, 0x31);
    const { all } = await lines(1024, ...Array.from({ length: 20 }, () => mib), '\n[3]\n');
    expect(all).toEqual([{ overlong: true, bytes: 20 << 20 }, '[3]']);
  });
});
