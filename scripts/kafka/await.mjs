#!/usr/bin/env node
// Wait until a Kafka broker answers requests (used by `scripts/kafka/kafka.sh await`).
//
//   node scripts/kafka/await.mjs --brokers 127.0.0.1:9092 [--timeout 60] [--pid 1234]
//
// Ready means: an admin client connects, DescribeCluster lists at least one (unfenced) broker,
// and ListTopics (a Metadata request) succeeds. Retries every 200 ms until --timeout seconds.
// With --pid it gives up as soon as that process is gone (the broker died while starting).
// Exit codes: 0 ready, 1 timed out, 2 the watched process died, 3 bad usage / kafkajs missing.
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';

const { values } = parseArgs({
  options: {
    brokers: { type: 'string', default: '127.0.0.1:9092' },
    timeout: { type: 'string', default: '60' },
    pid: { type: 'string' },
    quiet: { type: 'boolean', default: false },
  },
});

let kafkajs;
try {
  kafkajs = await import('kafkajs');
} catch (err) {
  console.error(`await.mjs: cannot load kafkajs (${err.code ?? err.message}); run \`npm ci\` in the repository first`);
  process.exit(3);
}
const { Kafka, logLevel } = kafkajs.default ?? kafkajs;
// kafkajs 2.2.4 schedules `throttledUntil - Date.now()` with throttledUntil 0, and Node 24 prints
// a TimeoutNegativeWarning for it (harmless: src/log/process-warnings.ts): keep it out of the
// broker's start-up output, which `npm start` shows; other warnings are printed as before.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name !== 'TimeoutNegativeWarning') console.error(`(node) ${warning.name}: ${warning.message}`);
});

const brokers = values.brokers.split(',').map((s) => s.trim()).filter(Boolean);
const timeoutMs = Math.max(0, Number(values.timeout) * 1000);
const pid = values.pid ? Number(values.pid) : undefined;
if (!brokers.length || !Number.isFinite(timeoutMs) || (pid !== undefined && !Number.isInteger(pid))) {
  console.error('usage: await.mjs --brokers host:port[,host:port] [--timeout seconds] [--pid pid]');
  process.exit(3);
}

const alive = (p) => {
  try {
    process.kill(p, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
};

const kafka = new Kafka({
  clientId: 'kafka-sh-await',
  brokers,
  logLevel: logLevel.NOTHING,
  connectionTimeout: 1000,
  requestTimeout: 3000,
  retry: { retries: 0 },
});

const started = Date.now();
const deadline = started + timeoutMs;
let lastError = 'no attempt made';
for (let attempt = 1; ; attempt++) {
  if (pid !== undefined && !alive(pid)) {
    console.error(`await.mjs: broker process ${pid} exited while waiting for ${brokers.join(',')}`);
    process.exit(2);
  }
  const admin = kafka.admin({ retry: { retries: 0 } });
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0) throw new Error('cluster has no live (unfenced) broker yet');
    await admin.listTopics();
    if (!values.quiet) {
      console.log(
        `Kafka at ${brokers.join(',')} is ready (cluster ${cluster.clusterId}, ` +
          `${attempt} attempt${attempt === 1 ? '' : 's'}, ${Date.now() - started} ms)`,
      );
    }
    await admin.disconnect().catch(() => {});
    process.exit(0);
  } catch (err) {
    lastError = err?.message ?? String(err);
    await admin.disconnect().catch(() => {});
  }
  if (Date.now() >= deadline) break;
  await sleep(Math.min(200, Math.max(0, deadline - Date.now())));
}
console.error(`await.mjs: Kafka at ${brokers.join(',')} not ready after ${values.timeout}s (last error: ${lastError})`);
process.exit(1);
