import { describe, expect, it } from 'vitest';
import { kmeansPlusPlus, lloyd } from '../../src/em/kmeans-plus-plus.js';
import { SeededRandom } from '../../src/em/random.js';
import { expectArrayClose } from '../helpers/assertions.js';

const D = 2;
const CLUSTER_CENTRES = [
  [0, 0],
  [100, 0],
  [0, 100],
  [100, 100],
  [50, -80],
];

/** Tight clusters (sd 1) around far-apart centres; rows in random order, with their cluster labels. */
function clusters(perCluster: number, seed: number): { points: Float64Array; labels: number[] } {
  const rng = new SeededRandom(seed);
  const rows: { p: number[]; c: number }[] = [];
  CLUSTER_CENTRES.forEach((centre, c) => {
    for (let i = 0; i < perCluster; i++) rows.push({ p: centre.map((v) => v + rng.normal()), c });
  });
  rng.shuffle(rows);
  return { points: Float64Array.from(rows.flatMap((r) => r.p)), labels: rows.map((r) => r.c) };
}

function nearestCluster(x: number, y: number): number {
  let best = 0;
  CLUSTER_CENTRES.forEach((c, i) => {
    if (Math.hypot(x - c[0], y - c[1]) < Math.hypot(x - CLUSTER_CENTRES[best][0], y - CLUSTER_CENTRES[best][1])) best = i;
  });
  return best;
}

describe('kmeansPlusPlus', () => {
  const { points } = clusters(30, 1);
  const n = points.length / D;
  const k = CLUSTER_CENTRES.length;

  it('is deterministic under a seed', () => {
    const a = kmeansPlusPlus(points, n, D, k, new SeededRandom(42));
    const b = kmeansPlusPlus(points, n, D, k, new SeededRandom(42));
    expect(Array.from(a)).toEqual(Array.from(b));
    const c = kmeansPlusPlus(points, n, D, k, new SeededRandom(43));
    expect(Array.from(c)).not.toEqual(Array.from(a));
  });

  it('picks data points as centres', () => {
    for (let seed = 0; seed < 5; seed++) {
      const centres = kmeansPlusPlus(points, n, D, k, new SeededRandom(seed));
      for (let c = 0; c < k; c++) {
        let found = false;
        for (let i = 0; i < n && !found; i++) found = points[i * D] === centres[c * D] && points[i * D + 1] === centres[c * D + 1];
        expect(found).toBe(true);
      }
    }
  });

  it('puts exactly one centre in each well-separated cluster', () => {
    for (let seed = 0; seed < 20; seed++) {
      const centres = kmeansPlusPlus(points, n, D, k, new SeededRandom(seed));
      const hit = new Set<number>();
      for (let c = 0; c < k; c++) hit.add(nearestCluster(centres[c * D], centres[c * D + 1]));
      expect(hit.size, `seed ${seed}`).toBe(k);
    }
  });

  it('copes with all points equal and with k > distinct points', () => {
    const same = new Float64Array(20).fill(3);
    const centres = kmeansPlusPlus(same, 10, D, 3, new SeededRandom(1));
    expect(Array.from(centres)).toEqual(new Array(6).fill(3));
    const two = Float64Array.from([0, 0, 0, 0, 5, 5]);
    const c2 = kmeansPlusPlus(two, 3, D, 3, new SeededRandom(1));
    expect(Array.from(c2).every((v) => v === 0 || v === 5)).toBe(true);
  });
});

describe('lloyd', () => {
  it('from k-means++ centres, labels match the clusters and centres are the cluster means', () => {
    const { points, labels: truth } = clusters(25, 2);
    const n = points.length / D;
    const k = CLUSTER_CENTRES.length;
    const centres = kmeansPlusPlus(points, n, D, k, new SeededRandom(3));
    const labels = lloyd(points, n, D, centres, 10);
    // Same partition up to renaming.
    const map = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      if (!map.has(labels[i])) map.set(labels[i], truth[i]);
      expect(map.get(labels[i])).toBe(truth[i]);
    }
    for (let c = 0; c < k; c++) {
      const mean = [0, 0];
      let count = 0;
      for (let i = 0; i < n; i++) {
        if (labels[i] !== c) continue;
        mean[0] += points[i * D];
        mean[1] += points[i * D + 1];
        count++;
      }
      expectArrayClose(centres.subarray(c * D, c * D + D), mean.map((v) => v / count), { atol: 1e-12 }, `centre ${c}`);
    }
  });

  it('assigns each point to its nearest centre with 0 iterations and leaves the centres alone', () => {
    const points = Float64Array.from([0, 0, 1, 0, 10, 0, 11, 0]);
    const centres = Float64Array.from([0.4, 0, 10.6, 0]);
    const labels = lloyd(points, 4, D, centres, 0);
    expect(Array.from(labels)).toEqual([0, 0, 1, 1]);
    expect(Array.from(centres)).toEqual([0.4, 0, 10.6, 0]);
  });

  it('an emptied cluster keeps its centre', () => {
    const points = Float64Array.from([0, 0, 1, 0, 2, 0]);
    const centres = Float64Array.from([1, 0, 1000, 1000]);
    lloyd(points, 3, D, centres, 5);
    expect(Array.from(centres)).toEqual([1, 0, 1000, 1000]);
  });
});
