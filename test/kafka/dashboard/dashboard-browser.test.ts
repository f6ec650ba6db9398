import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { randomMixture, sampleMixture } from '../../../src/synthetic/mixture-generator.js';
import { startDashboard } from '../support/dashboard-process.js';
import { createTopic, produce, uniqueNames } from '../support/kafka-io.js';
import { ProcessorProcess } from '../support/processor-process.js';
import { jsonMessages } from '../support/snapshots.js';

/**
 * The dashboard in a real browser (the Debian chromium, driven by playwright-core) against a
 * live processor on the test broker: the model is in the picker, one 1σ ellipse per
 * component is drawn, and the page changes when the next snapshot arrives; with
 * --scores-topic (records without responsibilities: the dashboard needs none), the
 * histogram of the recent points' log-likelihood (a bar per bin of the
 * served summary), the snapshot's anomaly threshold on it, and a hostile source in
 * the flagged points shown as text. It saves a
 * screenshot (DASHBOARD_SCREENSHOT, as `npm run screenshot` sets it to docs/dashboard.png).
 */

const CHROMIUM = '/usr/bin/chromium';
const K = 3;
const D = 3;
const profile = mkdtempSync(join(tmpdir(), 'online-em-chromium-'));
const cleanups: (() => Promise<unknown> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  rmSync(profile, { recursive: true, force: true });
});

describe('online-em dashboard in Chromium', () => {
  it('shows the live model in the picker, one ellipse per component, and follows the next snapshot', async () => {
    const names = uniqueNames('dashboard');
    const points = sampleMixture(randomMixture({ k: K, dim: D, seed: 5 }), 20_000, 6).data;
    const messages = jsonMessages(points, D, 100);
    await createTopic(names.input);
    await produce(names.input, messages.slice(0, 100));
    const scoresTopic = `scores-${names.id}`;
    const proc = ProcessorProcess.forNames(names, ['--snapshot-interval', '300', '--components', String(K), '--scores-topic', scoresTopic, '--scores-responsibilities', 'off', '--anomaly-quantile', '0.01', '--anomaly-window', '2000']);
    cleanups.push(async () => {
      proc.kill('SIGTERM');
      await proc.exited;
    });
    await proc.waitForSnapshot(10_000, 120_000);
    const url = await startDashboard(['--snapshot-topic', names.snapshot, '--scores-topic', scoresTopic], cleanups);

    // A fresh profile (--user-data-dir, which playwright passes for a persistent context).
    const browser: BrowserContext = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 900 },
    });
    cleanups.push(() => browser.close());
    const page = await browser.newPage();
    await page.goto(`${url}/`);
    await page.locator(`#models option[value="${names.model}"]`).waitFor({ state: 'attached' });
    await page.waitForFunction(`document.querySelectorAll('ellipse.sigma1').length === ${K} * 3`);
    const ellipses = await page.$$eval('svg.pair', (svgs) => svgs.map((s) => s.querySelectorAll('ellipse.sigma1').length));
    expect(ellipses).toEqual([K, K, K]); // d = 3: the grid of the 3 pairs
    expect(await page.locator('ellipse.sigma2').count()).toBe(K * 3);
    const before = await page.locator('#stats').getAttribute('data-points');
    expect(Number(before)).toBe(10_000);

    await produce(names.input, messages.slice(100));
    await page.waitForFunction(`document.getElementById('stats').dataset.points !== ${JSON.stringify(before)}`, undefined, { timeout: 60_000 });
    expect(Number(await page.locator('#stats').getAttribute('data-points'))).toBeGreaterThan(10_000);

    // The scores of the points produced since the dashboard started: a histogram, the threshold on it.
    await page.locator('#scores').waitFor({ state: 'visible', timeout: 60_000 });
    await page.waitForFunction(`document.querySelectorAll('rect.score-bar').length > 0 && document.querySelectorAll('line.score-threshold').length === 1`, undefined, { timeout: 60_000 });
    const bars = await page.$$eval('rect.score-bar', (rects) => rects.map((r) => Number(r.getAttribute('data-count'))));
    const summary = (await (await fetch(`${url}/api/scores?id=${names.model}`)).json()) as { recent: { count: number; histogram: { counts: number[] } } };
    expect(bars).toHaveLength(summary.recent.histogram.counts.length);
    expect(bars.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(bars.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(2_000);
    await page.screenshot({ path: process.env.DASHBOARD_SCREENSHOT ?? join(profile, 'dashboard.png') });

    // What the scores topic says is text on the page, never markup: a flagged point of a hostile source.
    await proc.waitForSnapshot(20_000, 60_000);
    const hostile = '<img src=x onerror="document.title=1">';
    await produce(scoresTopic, [{ value: JSON.stringify({ model: names.model, source: hostile, points: [{ logLikelihood: -50, component: 0, responsibilities: [1, 0, 0], anomaly: true }] }) }]);
    await page.waitForFunction(`document.getElementById('flagged').textContent.includes(${JSON.stringify(hostile)})`, undefined, { timeout: 30_000 });
    expect(await page.locator('#flagged img').count()).toBe(0);
  });
});
