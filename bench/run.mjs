#!/usr/bin/env node
/**
 * The online-em benchmark: `npm run bench` (builds first) or `node bench/run.mjs`.
 *
 *   node bench/run.mjs [--quick] [--sections engine,peer,quality] [--no-report] [--keep-data]
 *   node bench/run.mjs --sections report      # only rebuild BENCHMARKS.md from bench/out
 *   node bench/run.mjs --sections peer --covariance tied [--repeats 1]
 *                                             # the peer for another covariance type: bench/out/peer-tied.json
 *                                             # and its own <!-- peer-tied --> block of BENCHMARKS.md
 *
 * Sections (each writes bench/out/<section>.json, git-ignored):
 *   engine   engine throughput in-process, one cell per child process, at 1 and 2 threads;
 *            then the parallel E-step's hand-off and reduction cost per minibatch (bench/parallel-cost.mjs);
 *   peer     one pass of `online-em fit` (whole process) against scikit-learn's
 *            GaussianMixture(n_init=5) (bench/peer), scored on the same held-out points;
 *   quality  the recovery tests' figures: drift, missing data, penguins.
 * Then BENCHMARKS.md is regenerated from whatever bench/out/*.json exist, so one
 * section can be re-run alone. --quick runs small versions of everything into
 * bench/out/quick/ and leaves BENCHMARKS.md alone.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { OnlineEm, fitBatchEm, meanLogLikelihood, paramsFromSnapshot, sampleMixture } from '../dist/index.js';
import { SeededRandom } from '../dist/em/random.js';
import {
  batchOf,
  flightsPoints,
  maskMcar,
  maskPenguins,
  penguins,
  shiftedMixture,
  syntheticSet,
  writeNdjson,
} from './lib/datasets.mjs';
import { machine } from './lib/machine.mjs';
import { BENCH_DIR, REPO_ROOT } from './lib/paths.mjs';
import { cleanEnv, fitCli, run } from './lib/processes.mjs';
import { progressLog } from './lib/progress.mjs';
import { peerBlock, peerBlockMarks, writeReport } from './lib/report.mjs';
import { writeBlock } from './lib/marked-block.mjs';
import { median, spread } from './lib/stats.mjs';

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    sections: { type: 'string', default: 'engine,peer,quality' },
    'no-report': { type: 'boolean', default: false },
    'keep-data': { type: 'boolean', default: false },
    covariance: { type: 'string', default: 'full' },
    repeats: { type: 'string' },
  },
});
/** The peer's covariance type: full is section 2 of the report; another type writes its own block. */
const COVARIANCE = flags.covariance;
if (!['full', 'diag', 'spherical', 'tied'].includes(COVARIANCE)) throw new Error(`unknown --covariance '${COVARIANCE}' (full, diag, spherical, tied)`);
if (COVARIANCE !== 'full' && flags.sections !== 'peer') throw new Error('--covariance applies to the peer section only: use --sections peer');
const QUICK = flags.quick;
const SECTIONS = flags.sections.split(',').map((s) => s.trim());
for (const s of SECTIONS) if (!['engine', 'peer', 'quality', 'report'].includes(s)) throw new Error(`unknown section '${s}' (engine, peer, quality; or report: only rebuild BENCHMARKS.md)`);
const OUT = join(BENCH_DIR, 'out', ...(QUICK ? ['quick'] : []));
const DATA = join(OUT, 'data');
mkdirSync(DATA, { recursive: true });

const progress = progressLog('bench');

/** The batch-EM reference of the recovery tests: best of 5, tol 1e-6, at most 300 iterations. */
const REFERENCE = { restarts: 5, tol: 1e-6, maxIter: 300, regCovar: 1e-6, minWeight: 1e-4, seed: 1 };
function batchReference(batch, k) {
  return fitBatchEm(batch, { k, covarianceType: 'full', ...REFERENCE });
}

function save(name, value) {
  const path = join(OUT, `${name}.json`);
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
  progress(`wrote ${path}`);
}

// ---------------------------------------------------------------------------- engine

async function engineSection(info) {
  const loadAverageAtStart = loadavg();
  const dims = QUICK ? [2, 10] : [2, 10, 16, 32];
  const threadCounts = [1, 2];
  const ks = QUICK ? [4, 16] : [4, 8, 16];
  const covs = QUICK ? ['full'] : ['full', 'diag'];
  const windowMs = QUICK ? 200 : 500;
  const cells = [];
  const total = dims.length * ks.length * covs.length * threadCounts.length + 1;
  const runCell = async (dim, k, cov, windows, ms, threads = 1, label = `${cells.length + 1}/${total}`) => {
    const r = await run(process.execPath, [join(BENCH_DIR, 'engine-cell.mjs'), '--dim', String(dim), '--components', String(k), '--covariance', cov, '--threads', String(threads), '--window-ms', String(ms), '--windows', String(windows)]);
    if (r.code !== 0) throw new Error(`engine cell d=${dim} K=${k} ${cov} failed:\n${r.stderr}`);
    const cell = JSON.parse(r.stdout);
    progress(
      `engine ${label}: d=${dim} K=${k} ${cov} ${threads} thread(s): ${Math.round(cell.pointsPerSecond).toLocaleString('en-US')} points/s, ` +
        `${cell.nsPerPointPerComponent.toFixed(1)} ns/point/component, init ${cell.initSeconds.toFixed(2)} s`,
    );
    return cell;
  };
  progress('engine: headline cell d=5 K=4 full');
  const headline = await runCell(5, 4, 'full', QUICK ? 3 : 5, QUICK ? 300 : 1000);
  cells.push(headline);
  for (const cov of covs) for (const dim of dims) for (const k of ks) for (const threads of threadCounts) cells.push(await runCell(dim, k, cov, 3, windowMs, threads));
  // One process per cell is a lottery on a shared 2-core VM (the same cell's rate varies by
  // ±20% from process to process): the compute-bound cells again, as interleaved 1/2-thread pairs.
  const pairedCells = QUICK ? [[16, 8]] : [[16, 8], [16, 16], [32, 4], [32, 8], [32, 16]];
  const rounds = QUICK ? 1 : 5;
  const paired = pairedCells.map(([dim, k]) => ({ dim, k, one: [], two: [] }));
  for (let round = 1; round <= rounds; round++) {
    for (const p of paired) {
      p.one.push((await runCell(p.dim, p.k, 'full', 3, windowMs, 1, `paired round ${round}/${rounds}`)).pointsPerSecond);
      p.two.push((await runCell(p.dim, p.k, 'full', 3, windowMs, 2, `paired round ${round}/${rounds}`)).pointsPerSecond);
      progress(`engine: paired round ${round}/${rounds}: d=${p.dim} K=${p.k} full: 2 threads / 1 = ${(p.two.at(-1) / p.one.at(-1)).toFixed(2)}x`);
    }
  }
  const pairedThreads = { rounds, cells: paired.map(({ dim, k, one, two }) => ({ dim, k, one: spread(one), two: spread(two), ratio: spread(two.map((x, i) => x / one[i])) })) };
  progress('engine: parallel E-step cost per minibatch (bench/parallel-cost.mjs)');
  const cost = await run(process.execPath, [join(BENCH_DIR, 'parallel-cost.mjs'), '--threads', '2', '--reps', QUICK ? '500' : '3000']);
  if (cost.code !== 0) throw new Error(`bench/parallel-cost.mjs failed:\n${cost.stderr}`);
  const result = { machine: info, loadAverageAtStart, headline, cells: cells.slice(1), pairedThreads, parallelCost: JSON.parse(cost.stdout), loadAverageAtEnd: loadavg() };
  save('engine', result);
  return result;
}

// ---------------------------------------------------------------------------- peer

function peerPython() {
  progress('peer: bash bench/peer/setup.sh (creates the venv on first use)');
  let stdout;
  try {
    stdout = execFileSync('bash', [join(BENCH_DIR, 'peer', 'setup.sh')], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] }).toString();
  } catch (error) {
    throw new Error(`bench/peer/setup.sh failed (exit ${error.status}): the scikit-learn peer is required; see its message above and bench/peer/README.md`);
  }
  const python = stdout.trim().split('\n').at(-1);
  if (!python || !existsSync(python)) throw new Error(`bench/peer/setup.sh printed no usable python (got '${python}')`);
  return python;
}

const REPEATS = flags.repeats ? Number(flags.repeats) : QUICK ? 1 : 3;

/** The same fit in-process: the engine on Float64Array chunks of 1,000 rows, no parsing, no process. */
function inProcessFit(train, dim, k) {
  const started = performance.now();
  const engine = new OnlineEm({ components: k, covarianceType: COVARIANCE });
  let initSeconds = null;
  for (let start = 0; start < train.length; start += 1000 * dim) {
    engine.ingestFloat64(train.slice(start, Math.min(train.length, start + 1000 * dim)), dim);
    if (initSeconds === null && engine.model !== null) initSeconds = (performance.now() - started) / 1000;
  }
  engine.flush();
  return { seconds: (performance.now() - started) / 1000, initSeconds, model: engine.model };
}

async function peerSection(info) {
  const loadAverageAtStart = loadavg();
  const python = peerPython();
  const scale = QUICK ? 0.1 : 1;
  const sets = [
    { name: 'synthetic d=2 K=3', dim: 2, k: 3, n: 100_000, seed: 1 },
    { name: 'synthetic d=5 K=4', dim: 5, k: 4, n: 200_000, seed: 1 },
    { name: 'synthetic d=16 K=8', dim: 16, k: 8, n: 200_000, seed: 1 },
    { name: 'flights-200k K=6', flights: true, dim: 3, k: 6, n: 160_000 },
  ];
  const rows = [];
  for (const set of sets) {
    const n = Math.round(set.n * scale);
    let train;
    let test;
    if (set.flights) {
      const all = flightsPoints(2024);
      const total = Math.round((all.length / 3) * scale);
      const nTrain = Math.round(0.8 * total);
      train = all.slice(0, nTrain * 3);
      test = all.slice(nTrain * 3, total * 3);
    } else {
      ({ train, test } = syntheticSet({ dim: set.dim, k: set.k, n, nTest: Math.round(n / 4), seed: set.seed }));
    }
    const slug = set.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
    const trainFile = join(DATA, `${slug}-train.ndjson`);
    const testFile = join(DATA, `${slug}-test.ndjson`);
    writeNdjson(trainFile, train, set.dim);
    writeNdjson(testFile, test, set.dim);
    const heldOut = batchOf(test, set.dim);
    progress(`peer: ${set.name}: ${train.length / set.dim} train / ${heldOut.n} test points written; online-em fit (one pass, default options) x${REPEATS} ...`);
    const ourRuns = [];
    for (let r = 0; r < REPEATS; r++) ourRuns.push(await fitCli(['--components', String(set.k), '--covariance', COVARIANCE, trainFile]));
    const ours = ourRuns[0];
    const ourSeconds = median(ourRuns.map((x) => x.seconds));
    const ourParamsFile = join(DATA, `${slug}-online-em.json`);
    writeFileSync(ourParamsFile, JSON.stringify(ours.final));
    const ourLogLik = meanLogLikelihood(paramsFromSnapshot(ours.final), heldOut);
    const engineOnly = inProcessFit(train, set.dim, set.k);
    const engineLogLik = meanLogLikelihood(engineOnly.model, heldOut);
    progress(
      `peer: ${set.name}: online-em ${ourSeconds.toFixed(2)} s (engine alone ${engineOnly.seconds.toFixed(2)} s), held-out ${ourLogLik.toFixed(4)}; ` +
        `scikit-learn (n_init=5, 1 thread) x${REPEATS} ...`,
    );
    const peerRuns = [];
    for (let r = 0; r < REPEATS; r++) {
      const sk = await run(python, [join(BENCH_DIR, 'peer', 'sklearn_gmm.py'), '--train', trainFile, '--test', testFile, '--components', String(set.k), '--covariance', COVARIANCE], { env: cleanEnv() });
      if (sk.code !== 0) throw new Error(`sklearn_gmm.py failed on ${set.name}:\n${sk.stderr}`);
      peerRuns.push(JSON.parse(sk.stdout));
    }
    const peer = peerRuns[0];
    const sklearnFitSeconds = median(peerRuns.map((x) => x.fitSeconds));
    const sklearnTotalSeconds = median(peerRuns.map((x) => x.totalSeconds));
    const skParams = {
      k: peer.k,
      dim: peer.dim,
      covarianceType: COVARIANCE,
      weights: Float64Array.from(peer.weights),
      means: Float64Array.from(peer.means.flat()),
      covariances: Float64Array.from(peer.covariances.flat(2)),
    };
    const skLogLik = meanLogLikelihood(skParams, heldOut);
    // Cross-check of our scoring: sklearn scores our model on the same file.
    const check = await run(python, [join(BENCH_DIR, 'peer', 'sklearn_gmm.py'), '--score-only', '--params', ourParamsFile, '--test', testFile], { env: cleanEnv() });
    if (check.code !== 0) throw new Error(`sklearn_gmm.py --score-only failed on ${set.name}:\n${check.stderr}`);
    const ourLogLikBySklearn = JSON.parse(check.stdout).heldOutMeanLogLik;
    const row = {
      dataset: set.name,
      dim: set.dim,
      k: set.k,
      trainPoints: train.length / set.dim,
      testPoints: heldOut.n,
      ourSeconds,
      ourSecondsRuns: ourRuns.map((x) => x.seconds),
      engineOnlySeconds: engineOnly.seconds,
      engineOnlyInitSeconds: engineOnly.initSeconds,
      engineOnlySameModel: engineLogLik === ourLogLik,
      sklearnFitSeconds,
      sklearnTotalSeconds,
      sklearnFitSecondsRuns: peerRuns.map((x) => x.fitSeconds),
      sklearnLoadSeconds: peer.loadSeconds,
      sklearnNIter: peer.nIter,
      sklearnConverged: peer.converged,
      speedupVsFit: sklearnFitSeconds / ourSeconds,
      ourHeldOut: ourLogLik,
      sklearnHeldOut: skLogLik,
      gap: skLogLik - ourLogLik,
      crossCheck: {
        ourModelScoredBySklearn: ourLogLikBySklearn,
        ourModelDifference: ourLogLikBySklearn - ourLogLik,
        sklearnModelScoredBySklearn: peer.heldOutMeanLogLik,
        sklearnModelDifference: peer.heldOutMeanLogLik - skLogLik,
      },
      ourFinal: { batches: ours.final.batches, reseeds: ours.final.health.reseeds, skippedBatches: ours.final.health.skippedBatches },
      sklearnVersion: peer.sklearnVersion,
      numpyVersion: peer.numpyVersion,
    };
    rows.push(row);
    progress(
      `peer: ${set.name}: sklearn fit ${sklearnFitSeconds.toFixed(2)} s (total ${sklearnTotalSeconds.toFixed(2)} s, ${peer.nIter} iterations), ` +
        `held-out ${skLogLik.toFixed(4)}; gap ${row.gap.toFixed(4)}, speed-up ${row.speedupVsFit.toFixed(1)}x; ` +
        `scoring cross-check |diff| ${Math.abs(row.crossCheck.ourModelDifference).toExponential(1)}`,
    );
  }
  const result = { machine: info, quick: QUICK, repeats: REPEATS, covarianceType: COVARIANCE, loadAverageAtStart, rows, loadAverageAtEnd: loadavg() };
  if (COVARIANCE === 'full') {
    save('peer', result);
    return result;
  }
  save(`peer-${COVARIANCE}`, result);
  if (!QUICK) {
    writeBlock(join(REPO_ROOT, 'BENCHMARKS.md'), peerBlockMarks(COVARIANCE), peerBlock(result));
    progress(`BENCHMARKS.md: peer-${COVARIANCE} block updated`);
  }
  return result;
}

// ---------------------------------------------------------------------------- quality

/** The ideal forgetting estimator at time T: batch EM on the stream resampled with weights 2^(-age/H). */
function idealForgetting(oldData, newData, dim, k, halfLife, horizon, seed) {
  const perRegime = oldData.length / dim;
  const T = perRegime + horizon;
  const rng = new SeededRandom(seed);
  const rows = [];
  for (let i = 0; i < T; i++) {
    if (rng.uniform() < 2 ** (-(T - 1 - i) / halfLife)) {
      const source = i < perRegime ? oldData : newData;
      const j = i < perRegime ? i : i - perRegime;
      for (let c = 0; c < dim; c++) rows.push(source[j * dim + c]);
    }
  }
  return batchReference(batchOf(Float64Array.from(rows), dim), k).params;
}

async function driftCase(seed, jump, halfLife, withIdeal) {
  const dim = 2;
  const k = 3;
  const perRegime = QUICK ? 40_000 : 100_000;
  const { mixture: before } = syntheticSet({ dim, k, n: 0, nTest: 0, seed });
  const after = shiftedMixture(before, jump, 100 + seed);
  const oldData = sampleMixture(before, perRegime, 1000 * seed + 1).data;
  const newData = sampleMixture(after, perRegime, 1000 * seed + 2).data;
  const heldOut = batchOf(sampleMixture(after, 20_000, 1000 * seed + 3).data, dim);
  const stream = new Float64Array(2 * perRegime * dim);
  stream.set(oldData);
  stream.set(newData, perRegime * dim);
  const file = join(DATA, `drift-${seed}-${jump}.ndjson`);
  writeNdjson(file, stream, dim);
  const fit = (extra) => fitCli(['--components', String(k), '--half-life', String(halfLife), '--snapshot-every', '1', ...extra, file]);
  // With change detection (the default with --half-life), and without it, for comparison.
  const { snapshots } = await fit([]);
  const { snapshots: withoutDetection } = await fit(['--change-detection', 'off']);
  const reference = meanLogLikelihood(batchReference(batchOf(newData, dim), k).params, heldOut);
  const inModel = (s) => s.pointsSeen - s.pointsPending;
  const gapAt = (multiple, of = snapshots) => {
    const s = of.filter((x) => inModel(x) <= perRegime + multiple * halfLife).at(-1);
    return { halfLives: multiple, pointsAfterJump: inModel(s) - perRegime, gap: reference - meanLogLikelihood(paramsFromSnapshot(s), heldOut) };
  };
  const multiples = [0, 1, 2, 3, 4, 5, 10].filter((m) => m * halfLife <= perRegime);
  const curve = multiples.map((m) => gapAt(m));
  const gapOf = (m) => curve.find((c) => c.halfLives === m).gap;
  const ideal = (m) => (withIdeal ? reference - meanLogLikelihood(idealForgetting(oldData, newData, dim, k, halfLife, m * halfLife, 5), heldOut) : null);
  const last = snapshots.at(-1);
  return {
    seed,
    jump,
    halfLife,
    perRegime,
    reference,
    curve,
    changes: last.changes,
    detectedAfter: last.lastChangeAt === null ? null : last.lastChangeAt - perRegime,
    gapAt2H: gapOf(2),
    gapAt4H: gapOf(4),
    offGapAt2H: gapAt(2, withoutDetection).gap,
    offGapAt4H: gapAt(4, withoutDetection).gap,
    idealGapAt2H: ideal(2),
    idealGapAt4H: ideal(4),
    pass: gapOf(2) <= 0.05 && gapOf(4) <= 0.02,
  };
}

async function qualitySection(info) {
  const loadAverageAtStart = loadavg();
  const halfLife = 5000;
  const drift = [];
  for (const jump of QUICK ? [1] : [1, 2, 4]) {
    for (const seed of QUICK ? [1] : [1, 2, 3]) {
      progress(`quality: drift, jump ${jump}, mixture seed ${seed} (2 x ${QUICK ? '40k' : '100k'} points, --half-life ${halfLife}) ...`);
      const c = await driftCase(seed, jump, halfLife, true);
      drift.push(c);
      progress(
        `quality: drift jump ${jump} seed ${seed}: gap at 2H ${c.gapAt2H.toFixed(4)}, 4H ${c.gapAt4H.toFixed(4)} ` +
          `(without detection ${c.offGapAt2H.toFixed(4)}, ${c.offGapAt4H.toFixed(4)}; ideal forgetting ${c.idealGapAt2H.toFixed(4)}, ${c.idealGapAt4H.toFixed(4)})`,
      );
    }
  }

  const missing = [];
  for (const seed of QUICK ? [1] : [1, 2]) {
    progress(`quality: missing data 25% MCAR, d=5 K=4, mixture seed ${seed} ...`);
    const dim = 5;
    const k = 4;
    const n = QUICK ? 30_000 : 100_000;
    const { mixture, train, test } = syntheticSet({ dim, k, n, nTest: 20_000, seed });
    const { masked, allMissing } = maskMcar(train, dim, 0.25, 1000 * seed + 3);
    const completeFile = join(DATA, `missing-complete-${seed}.ndjson`);
    const maskedFile = join(DATA, `missing-masked-${seed}.ndjson`);
    writeNdjson(completeFile, train, dim);
    writeNdjson(maskedFile, masked, dim);
    const heldOut = batchOf(test, dim);
    const full = await fitCli(['--components', String(k), completeFile]);
    const partial = await fitCli(['--components', String(k), '--rejects', join(DATA, `missing-rejects-${seed}.ndjson`), maskedFile]);
    const complete = meanLogLikelihood(paramsFromSnapshot(full.final), heldOut);
    const withMissing = meanLogLikelihood(paramsFromSnapshot(partial.final), heldOut);
    missing.push({
      seed,
      n,
      allMissingRows: allMissing,
      rejected: partial.final.rejected,
      complete,
      withMissing,
      truth: meanLogLikelihood(mixture, heldOut),
      gap: complete - withMissing,
      secondsComplete: full.seconds,
      secondsMissing: partial.seconds,
      pass: complete - withMissing <= 0.03,
    });
    progress(`quality: missing seed ${seed}: gap ${(complete - withMissing).toFixed(4)}, ${partial.final.rejected} all-missing rows rejected`);
  }

  progress('quality: penguins, K=3, 30 epochs ...');
  const { rows, complete } = penguins();
  const completeBatch = batchOf(complete, 4);
  const penguinCases = [];
  for (const [name, fed] of [
    ['all 344 rows (2 all-null)', rows],
    ['10% of cells hidden', maskPenguins(rows)],
  ]) {
    const file = join(DATA, `penguins-${penguinCases.length}.ndjson`);
    writeFileSync(file, fed.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const ours = await fitCli(['--components', '3', '--epochs', '30', '--rejects', join(DATA, `penguins-rejects-${penguinCases.length}.ndjson`), file]);
    const observed = Float64Array.from(fed.filter((r) => r.some((v) => v !== null)).flat().map((v) => (v === null ? NaN : v)));
    const reference = batchReference(batchOf(observed, 4), 3);
    const online = meanLogLikelihood(paramsFromSnapshot(ours.final), completeBatch);
    const batch = meanLogLikelihood(reference.params, completeBatch);
    penguinCases.push({
      name,
      partlyObservedRows: fed.filter((r) => r.some((v) => v === null) && r.some((v) => v !== null)).length,
      rejected: ours.final.rejected,
      online,
      batch,
      gap: batch - online,
      pass: batch - online <= 0.02,
    });
    progress(`quality: penguins (${name}): gap ${(batch - online).toFixed(4)}`);
  }
  const result = { machine: info, quick: QUICK, loadAverageAtStart, drift, missing, penguins: penguinCases, loadAverageAtEnd: loadavg() };
  save('quality', result);
  return result;
}

// ---------------------------------------------------------------------------- main

const info = machine();
progress(`online-em bench${QUICK ? ' (quick)' : ''}: ${info.cpuModel}, ${info.nproc} CPUs, node ${info.node}, load ${info.loadAverageAtStart.map((x) => x.toFixed(2)).join(' ')}`);
if (!existsSync(join(REPO_ROOT, 'dist', 'index.js'))) throw new Error('dist/ is missing: run `npm run build` (npm run bench does it)');
if (SECTIONS.includes('engine')) await engineSection(info);
if (SECTIONS.includes('peer')) await peerSection(info);
if (SECTIONS.includes('quality')) await qualitySection(info);
if (!QUICK && !flags['no-report'] && COVARIANCE === 'full') {
  const path = writeReport(join(BENCH_DIR, 'out'), join(REPO_ROOT, 'BENCHMARKS.md'));
  progress(`wrote ${path}`);
}
if (!flags['keep-data']) rmSync(DATA, { recursive: true, force: true }); // ~200 MB of NDJSON; --keep-data keeps it
progress(`done in ${((Date.now() - progress.startedAt) / 1000).toFixed(0)} s`);
