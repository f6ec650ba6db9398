/** A block of BENCHMARKS.md between two HTML-comment markers, which one bench owns and the others keep. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/** The end-to-end Kafka section, written by `npm run bench:kafka`. */
export const KAFKA_BLOCK = { start: '<!-- kafka-bench:start -->', end: '<!-- kafka-bench:end -->' };

/** The block of `marks` in `text`, markers included; null when it has none. */
export function findBlock(text, marks) {
  const s = text.indexOf(marks.start);
  const e = s < 0 ? -1 : text.indexOf(marks.end, s + marks.start.length);
  return s >= 0 && e >= 0 ? { from: s, to: e + marks.end.length, text: text.slice(s, e + marks.end.length) } : null;
}

/** Every marked block of `text` (`<!-- NAME:start -->` … `<!-- NAME:end -->`), in order, markers included. */
export function allBlocks(text) {
  return [...text.matchAll(/<!-- ([a-z0-9-]+):start -->[\s\S]*?<!-- \1:end -->/g)].map((m) => m[0]);
}

/** The block of `marks` in the file at `path` (null when the file or the block is missing). */
export function readBlock(path, marks) {
  return existsSync(path) ? (findBlock(readFileSync(path, 'utf8'), marks)?.text ?? null) : null;
}

/** Replace the block (markers included) in the file with `block`; append it when absent, create the file when missing. */
export function writeBlock(path, marks, block) {
  const current = existsSync(path) ? readFileSync(path, 'utf8') : null;
  let next;
  if (current === null) next = `${block}\n`;
  else {
    const found = findBlock(current, marks);
    next = found ? current.slice(0, found.from) + block + current.slice(found.to) : `${current}${current.endsWith('\n') ? '' : '\n'}\n${block}\n`;
  }
  writeFileSync(path, next);
}
