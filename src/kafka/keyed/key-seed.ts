/**
 * The engine seed of one key's model: the run's --seed mixed with a 32-bit FNV-1a hash of
 * the key's bytes, so a key's fit is reproducible wherever and whenever it runs, and two
 * keys do not share their random choices.
 */
export function seedForKey(seed: number, key: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(key, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  // A multiplicative mix of the seed (golden ratio): seeds 0 and 1 give unrelated streams per key.
  return (hash ^ Math.imul(seed >>> 0, 0x9e3779b1)) >>> 0;
}
