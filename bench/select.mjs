#!/usr/bin/env node
/**
 * `--components auto` against the true K: `npm run bench:select` (builds first).
 *
 *   node bench/select.mjs [--dims 2,5,16] [--ks 2,...,8] [--separations 4,2.5,1.5] [--seeds 1,2,3] [--n 20000]
 *
 * Each case: a seeded randomMixture (d, K, separation), n training points streamed through the
 * engine with `auto` (MAX 10) and with the true K, scored on 5,000 held-out points against
 * batch EM with the true K on the training points (best of 5, tol 1e-6). Also flights and
 * penguins: the K chosen and the held-out log-likelihood of every fixed K.
 * Results to bench/out/select.json and the <!-- select-bench --> block of BENCHMARKS.md.
 * `--append` keeps the cases of the other dimensions (and the real sets, under --no-real) from
 * the last select.json, so two runs on disjoint --dims (two processes on two cores) make one table.
 */
import { existsSync, readFileSync } from 'node:fs';
import { writeFileSync, mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { OnlineEm, fitBatchEm, meanLogLikelihood, randomMixture, sampleMixture } from '../dist/index.js';
import { batchOf, flightsPoints, penguins } from './lib/datasets.mjs';
import { machine } from './lib/machine.mjs';
import { writeBlock } from './lib/marked-block.mjs';
import { BENCH_DIR, REPO_ROOT } from './lib/paths.mjs';
import { progressLog } from './lib/progress.mjs';

const list = (s) => s.split(',').map(Number);
const { values: flags } = parseArgs({
  options: {
    dims: { type: 'string', default: '2,5,16' },
    ks: { type: 'string', default: '2,3,4,5,6,7,8' },
    separations: { type: 'string', default: '4,2.5,1.5' },
    seeds: { type: 'string', default: '1,2,3' },
    n: { type: 'string', default: '20000' },
    'no-real': { type: 'boolean', default: false },
    append: { type: 'boolean', default: false },
  },
});
const progress = progressLog('select');
const BLOCK = { start: '<!-- select-bench:start -->', end: '<!-- select-bench:end -->' };
const REFERENCE = { restarts: 5, tol: 1e-6, maxIter: 300, regCovar: 1e-6, minWeight: 1e-4, seed: 1 };

/** The engine over `train` in chunks of 1,000 rows; the time until it has a model is the start-up cost. */
function stream(train, dim, components) {
  const started = performance.now();
  const engine = new OnlineEm({ components });
  let startup = null;
  for (let s = 0; s < train.length; s += 1000 * dim) {
    engine.ingestFloat64(train.slice(s, s + 1000 * dim), dim);
    if (startup === null && engine.model) startup = (performance.now() - started) / 1000;
  }
  engine.flush();
  startup ??= (performance.now() - started) / 1000;
  return { engine, startup, warmup: engine.warmupSize };
}

const info = machine();
const loadAverageAtStart = loadavg();
const n = Number(flags.n);
const cases = [];
const grid = list(flags.dims).flatMap((dim) => list(flags.ks).flatMap((k) => list(flags.separations).flatMap((separation) => list(flags.seeds).map((seed) => ({ dim, k, separation, seed })))));
for (const [i, c] of grid.entries()) {
  const truth = randomMixture({ k: c.k, dim: c.dim, seed: 100 * c.seed + c.k, separation: c.separation });
  const train = sampleMixture(truth, n, 7 * c.seed + 1).data;
  const heldOut = batchOf(sampleMixture(truth, 5000, 7 * c.seed + 2).data, c.dim);
  const auto = stream(train, c.dim, 'auto');
  const fixed = stream(train, c.dim, c.k);
  const batch = meanLogLikelihood(fitBatchEm(batchOf(train, c.dim), { k: c.k, covarianceType: 'full', ...REFERENCE }).params, heldOut);
  const autoLogLik = meanLogLikelihood(auto.engine.model, heldOut);
  const row = {
    ...c,
    chosen: auto.engine.model.k,
    autoHeldOut: autoLogLik,
    fixedHeldOut: meanLogLikelihood(fixed.engine.model, heldOut),
    batchHeldOut: batch,
    gap: batch - autoLogLik,
    autoStartup: auto.startup,
    fixedStartup: fixed.startup,
    autoWarmup: auto.warmup,
    fixedWarmup: fixed.warmup,
    scores: auto.engine.snapshot().selection.scores,
  };
  cases.push(row);
  progress(`${i + 1}/${grid.length} d=${c.dim} K=${c.k} sep ${c.separation} seed ${c.seed}: chose ${row.chosen}, gap ${row.gap.toFixed(4)}, start-up ${row.autoStartup.toFixed(2)} s (fixed ${row.fixedStartup.toFixed(2)} s)`);
}

/** A real data set: the auto choice and each fixed K, trained on 80%, scored on the other 20%. */
function realSet(name, data, dim) {
  const total = data.length / dim;
  const nTrain = Math.round(0.8 * total);
  const train = data.slice(0, nTrain * dim);
  const heldOut = batchOf(data.slice(nTrain * dim), dim);
  const auto = stream(train, dim, 'auto');
  const fixed = [];
  for (let k = 1; k <= 10; k++) {
    const run = stream(train, dim, k);
    fixed.push({ k, heldOut: meanLogLikelihood(run.engine.model, heldOut), startup: run.startup });
  }
  progress(`${name}: chose K = ${auto.engine.model.k}, held-out ${meanLogLikelihood(auto.engine.model, heldOut).toFixed(4)}`);
  return { name, trainPoints: nTrain, testPoints: heldOut.n, chosen: auto.engine.model.k, heldOut: meanLogLikelihood(auto.engine.model, heldOut), startup: auto.startup, scores: auto.engine.snapshot().selection.scores, fixed };
}
const real = [];
if (!flags['no-real']) {
  real.push(realSet('flights-200k', flightsPoints(2024), 3));
  // Penguins: the complete rows (standardised), once: fewer than any warm-up, so every fit (auto and fixed K) is the
  // warm-up fit on the rows at flush. (Repeated epochs would count each row 30 times in BIC's n.) The last 20% held out.
  const { complete } = penguins();
  const nTrain = Math.round(0.8 * (complete.length / 4));
  real.push(realPenguins(complete.slice(0, nTrain * 4), complete.subarray(nTrain * 4)));
}
function realPenguins(train, held) {
  const heldOut = batchOf(held, 4);
  const auto = stream(train, 4, 'auto');
  const fixed = [];
  for (let k = 1; k <= 10; k++) {
    const run = stream(train, 4, k);
    fixed.push({ k, heldOut: meanLogLikelihood(run.engine.model, heldOut), startup: run.startup });
  }
  progress(`penguins: chose K = ${auto.engine.model.k}, held-out ${meanLogLikelihood(auto.engine.model, heldOut).toFixed(4)}`);
  return { name: 'penguins (complete rows, one pass)', trainPoints: train.length / 4, testPoints: heldOut.n, chosen: auto.engine.model.k, heldOut: meanLogLikelihood(auto.engine.model, heldOut), startup: auto.startup, scores: auto.engine.snapshot().selection.scores, fixed };
}

const OUT = join(BENCH_DIR, 'out', 'select.json');
const result = { machine: info, flags, loadAverageAtStart, cases, real, loadAverageAtEnd: loadavg() };
if (flags.append && existsSync(OUT)) {
  const last = JSON.parse(readFileSync(OUT, 'utf8'));
  const dims = new Set(cases.map((c) => c.dim));
  result.cases = [...last.cases.filter((c) => !dims.has(c.dim)), ...cases].sort((a, b) => a.dim - b.dim);
  if (real.length === 0) result.real = last.real;
  result.flags = { ...flags, dims: [...new Set(result.cases.map((c) => c.dim))].join(',') };
}
mkdirSync(join(BENCH_DIR, 'out'), { recursive: true });
writeFileSync(OUT, `${JSON.stringify(result, null, 2)}\n`);
writeBlock(join(REPO_ROOT, 'BENCHMARKS.md'), BLOCK, block(result));
progress('BENCHMARKS.md: select-bench block updated');

function block(r) {
  const f = (x, d = 4) => x.toFixed(d);
  const lines = [BLOCK.start, '## 4. `--components auto` (model selection by BIC on the warm-up)', ''];
  const byDim = [...new Set(r.cases.map((c) => c.dim))];
  lines.push(
    `\`node bench/select.mjs --dims ${r.flags.dims} --ks ${r.flags.ks} --separations ${r.flags.separations} --seeds ${r.flags.seeds} --n ${r.flags.n}\`: for each case a seeded`,
    '`randomMixture` (means ~ N(0, separation² I); 4 well separated, 1.5 overlapping), n training points streamed through the engine',
    'with `--components auto` (MAX 10) and with the true K (default options otherwise), scored on 5,000 held-out points;',
    '*gap* = batch EM with the true K (best of 5, on the training points) − auto, nats/point. Targets: the true K in ≥ 90% of the cases,',
    'gap ≤ 0.02 in every case. *Start-up*: seconds until the engine has its first model (the warm-up fit), auto against the true K.',
    `Machine: ${r.machine.cpuModel}, ${r.machine.nproc} CPUs; load ${r.loadAverageAtStart.map((x) => x.toFixed(1)).join('/')} → ${r.loadAverageAtEnd.map((x) => x.toFixed(1)).join('/')}.`,
    '',
    '| d | cases | true K found | worst gap | gap ≤ 0.02 | median start-up auto s | median start-up fixed K s | warm-up points auto / fixed (median) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  for (const d of byDim) {
    const cs = r.cases.filter((c) => c.dim === d);
    lines.push(`| ${d} | ${cs.length} | ${cs.filter((c) => c.chosen === c.k).length} (${Math.round((100 * cs.filter((c) => c.chosen === c.k).length) / cs.length)}%) | ${f(Math.max(...cs.map((c) => c.gap)))} | ${cs.filter((c) => c.gap <= 0.02).length} of ${cs.length} | ${f(median(cs.map((c) => c.autoStartup)), 2)} | ${f(median(cs.map((c) => c.fixedStartup)), 2)} | ${median(cs.map((c) => c.autoWarmup))} / ${median(cs.map((c) => c.fixedWarmup))} |`);
  }
  const all = r.cases;
  lines.push(`| all | ${all.length} | ${all.filter((c) => c.chosen === c.k).length} (${Math.round((100 * all.filter((c) => c.chosen === c.k).length) / Math.max(1, all.length))}%) | ${all.length ? f(Math.max(...all.map((c) => c.gap))) : '–'} | ${all.filter((c) => c.gap <= 0.02).length} of ${all.length} | | | |`, '');
  const differ = all.filter((c) => c.chosen !== c.k);
  lines.push(differ.length ? 'Cases where auto chose another K:' : 'Auto chose the true K in every case.', '');
  if (differ.length) {
    lines.push('| d | true K | separation | seed | chosen | auto held-out | true-K online | batch EM true K | gap |', '| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const c of differ) lines.push(`| ${c.dim} | ${c.k} | ${c.separation} | ${c.seed} | ${c.chosen} | ${f(c.autoHeldOut)} | ${f(c.fixedHeldOut)} | ${f(c.batchHeldOut)} | ${f(c.gap)} |`);
    lines.push('');
  }
  for (const s of r.real) {
    lines.push(`**${s.name}** (${s.trainPoints.toLocaleString('en-US')} train / ${s.testPoints.toLocaleString('en-US')} held-out points): auto chose K = ${s.chosen}, held-out ${f(s.heldOut)} (start-up ${f(s.startup, 2)} s).`, '');
    lines.push(`| K | ${s.fixed.map((x) => x.k).join(' | ')} |`, `| --- | ${s.fixed.map(() => '---').join(' | ')} |`);
    lines.push(`| held-out, fixed K | ${s.fixed.map((x) => f(x.heldOut)).join(' | ')} |`);
    lines.push(`| warm-up BIC (auto) | ${s.scores.map((x) => x.bic.toFixed(0)).join(' | ')} |`);
    lines.push(`| start-up s, fixed K | ${s.fixed.map((x) => f(x.startup, 2)).join(' | ')} |`, '');
  }
  lines.push(BLOCK.end);
  return lines.join('\n');
}
