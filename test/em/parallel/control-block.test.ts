import { describe, expect, it } from 'vitest';
import { claimItem, claimWord, closedClaimWord, controlBlock, createControlBlock } from '../../../src/em/parallel/control-block.js';

describe('claims on the control block', () => {
  it('hands out each item of the current job once, and nothing of another job', () => {
    const block = controlBlock(createControlBlock());
    Atomics.store(block.claim, 0, claimWord(5, 0));
    expect([claimItem(block, 5, 3), claimItem(block, 5, 3), claimItem(block, 5, 3), claimItem(block, 5, 3)]).toEqual([0, 1, 2, -1]);
    expect(claimItem(block, 4, 3)).toBe(-1);
  });

  it('a job once closed gives no item, whatever count a late thread read', () => {
    const block = controlBlock(createControlBlock());
    Atomics.store(block.claim, 0, claimWord(7, 2));
    // Open, a thread late for job 7 that read the next job's larger count would take an item.
    expect(claimItem(block, 7, 10)).toBe(2);
    Atomics.store(block.claim, 0, closedClaimWord(7));
    for (const items of [1, 10, 2 ** 31 - 1]) expect(claimItem(block, 7, items)).toBe(-1);
    expect(claimItem(block, 8, 10)).toBe(-1);
  });
});
