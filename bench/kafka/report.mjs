// The end-to-end Kafka block of BENCHMARKS.md (between the kafka-bench markers) from a result
// (bench/out/kafka.json).
import { fmt1, fmtInt, fmtMB, mib, pct, range } from '../lib/format.mjs';
import { KAFKA_BLOCK } from '../lib/marked-block.mjs';
import { RSS_SAMPLE_MS } from './config.mjs';

export function kafkaBlock(result) {
  const m = result.machine;
  const c = result.config;
  const L = [];
  const p = (text = '') => L.push(text);
  const secs = (x) => `${(x / 1000).toFixed(1)} s`;
  const commit = m.commit && m.commit !== 'unknown' ? `${m.commit}${m.srcDirty ? ' (src modified)' : ''}` : null;
  const loadAtStart = m.loadAverageAtStart.map((x) => Math.round(x * 100) / 100);
  p(KAFKA_BLOCK.start);
  p('## End to end through Kafka');
  p();
  p(
    `Generated on ${result.date} by \`npm run bench:kafka\` (\`npm run build && node bench/kafka/run.mjs\`), which took ` +
      `${Math.round(result.durationMs / 1000)} s including producing the backlogs${commit ? `, at commit ${commit}` : ''}; raw numbers in \`bench/out/kafka.json\`.`,
  );
  p();
  p(
    `Machine: ${m.nproc} cores (${m.cpuModel}), ${Math.round(m.memoryGB * 10) / 10} GiB, Node ${m.node}, Apache Kafka ${m.kafka} (one local KRaft broker, ` +
      `plaintext on loopback, \`scripts/kafka/kafka.sh\`), kafkajs ${m.kafkajs}. The broker, the producer and the processor share the ` +
      `${m.nproc} cores, and other work was running on the machine (load average ${loadAtStart.join(' / ')} at the start, ` +
      `${result.loadavgAtEnd.join(' / ')} at the end), hence ${c.repeats} interleaved repeats, reported as median (min–max).`,
  );
  p();
  const bb = result.backlogs.binary;
  const jb = result.backlogs.json;
  p(
    `Data: a K = ${c.components}, d = ${c.dim} full-covariance mixture, ${c.pointsPerMessage.toLocaleString('en-US')} points per message, ` +
      `${c.points.toLocaleString('en-US')} points per format, each format on its own single-partition topic, produced before anything is ` +
      `measured: binary (\`application/x-online-em-f64le\`) ${fmtMB(bb.bytes)}, ${bb.bytes / bb.points} bytes a point; JSON ` +
      `(\`{"points": [[...], ...]}\`, full float64 precision) ${fmtMB(jb.bytes)}, ${Math.round(jb.bytes / jb.points)} bytes a point. ` +
      'The processor is `online-em run --components 6` with its own model, group and topics and every other option at its default ' +
      '(a snapshot + checkpoint transaction every 5 s).',
  );
  p();
  p(
    'Interval: from the consumer\'s first fetch request (kafkajs `FETCH_START`, after the group join) to the last point through the ' +
      'engine, read inside the processor by a preloaded probe (`bench/kafka/probe.mjs`: a few clock reads per message, the processor ' +
      'itself unchanged); process start, connecting, topic checks, the transactional init and the group join are left out. The bare ' +
      'consumer (`bench/kafka/bare-consumer.mjs`: kafkajs with the processor\'s client and consumer settings, one batch at a time, ' +
      'heartbeat every 64 messages) is timed the same way, first fetch to last message decoded; it only decodes (binary: aligned ' +
      '`Float64Array` copy; JSON: `JSON.parse` and conversion to a `Float64Array`, no validation). MB/s counts message values ' +
      '(1 MB = 10^6 bytes). Ratio: processor over the bare consumer of the same round. ' +
      'Without the engine: the processor\'s points over its interval minus the time inside `OnlineEm.ingest*` (what Kafka, decoding, ' +
      'RxJS and the commits cost it), against the bare consumer of the same round.',
  );
  p();
  p('| format | processor points/s | processor MB/s | bare consumer points/s | bare consumer MB/s | processor / bare (target ≥ 80%) | processor without the engine: points/s, / bare |');
  p('|---|---|---|---|---|---|---|');
  for (const f of ['binary', 'json']) {
    const t = result.throughput[f];
    p(
      `| ${f} | ${range(t.processor.pointsPerSecond, fmtInt)} | ${range(t.processor.mbPerSecond, fmt1)} | ${range(t.bare.pointsPerSecond, fmtInt)} | ` +
        `${range(t.bare.mbPerSecond, fmt1)} | ${range(t.ratio, pct)}: ${t.ratio && t.ratio.median >= 0.8 ? 'met' : '**missed**'} | ` +
        `${range(t.processor.withoutEnginePointsPerSecond, fmtInt)}, ${range(t.withoutEngineRatio, pct)} |`,
    );
  }
  p();
  const tls = result.tls;
  if (!tls) {
    p('Over TLS: not measured in this run (it predates the TLS runs).');
  } else if (tls.skipped) {
    p(`Over TLS: skipped (${tls.skipped}).`);
  } else {
    p(
      'Over TLS: the same processor on the binary backlog through the broker\'s SASL_SSL listener (TLS 1.3, SCRAM-SHA-512, the ' +
        'test CA of `scripts/kafka/tls-material.sh`), rounds interleaved with plaintext runs of the same backlog:',
    );
    p();
    p('| connection | processor points/s | processor MB/s | startup (spawn → first fetch) |');
    p('|---|---|---|---|');
    p(`| plaintext | ${range(tls.plaintext.pointsPerSecond, fmtInt)} | ${range(tls.plaintext.mbPerSecond, fmt1)} | ${range(tls.plaintext.startupMs, secs)} |`);
    p(`| SASL_SSL | ${range(tls.tls.pointsPerSecond, fmtInt)} | ${range(tls.tls.mbPerSecond, fmt1)} | ${range(tls.tls.startupMs, secs)} |`);
    p();
    p(`SASL_SSL over plaintext, round by round: ${range(tls.ratio, pct)}.${tls.failures.length ? ` Failed runs: ${tls.failures.join('; ')}.` : ''}`);
  }
  p();
  p('As a user sees it, to the log line of the snapshot that shows every point, and the steady state:');
  p();
  p('| format | first fetch → snapshot showing all points | points/s on that interval | that snapshot, after the last point | steady points/s (after the first 10%) | startup (spawn → first fetch) | runs with two snapshots < 1 s apart |');
  p('|---|---|---|---|---|---|---|');
  for (const f of ['binary', 'json']) {
    const t = result.throughput[f];
    const q = t.processor;
    p(
      `| ${f} | ${range(q.e2eMs, secs)} | ${range(q.e2ePointsPerSecond, fmtInt)} | ${range(q.snapshotLagMs, secs)} | ` +
        `${range(q.steadyPointsPerSecond, fmtInt)} | ${range(q.startupMs, secs)} | ${t.doubleSnapshots.filter((x) => x > 0).length} of ${t.doubleSnapshots.length} |`,
    );
  }
  p();
  p(
    'Where the processor\'s time goes (medians over its interval; GC overlaps the rest), and the same work without Kafka in one ' +
      `process, on the first ${fmtInt(c.engineAlonePoints)} points of the same messages (\`bench/kafka/engine-alone.mjs\`; each variant on a ` +
      'fresh process and engine, like the processor, so each includes the warm-up fit and a cold JIT):',
  );
  p();
  p('| format | interval | engine (validate + EM) | commit transactions (count) | no batch in hand: kafkajs fetching + decoding | rest of the batches: decodeMessage, RxJS, bookkeeping | GC | processor CPU | broker CPU | bare consumer: interval, no batch in hand, CPU |');
  p('|---|---|---|---|---|---|---|---|---|---|');
  for (const f of ['binary', 'json']) {
    const t = result.throughput[f];
    const b = t.processor.breakdown;
    const s = (x) => (x ? `${(x.median / 1000).toFixed(2)} s` : 'n/a');
    const u = (x) => (x ? pct(x.median) : 'n/a');
    p(
      `| ${f} | ${s(t.processor.processingMs)} | ${s(b.engineMs)} | ${s(b.commitMs)} (${b.commits ? fmtInt(b.commits.median) : 'n/a'}) | ` +
        `${s(b.betweenBatchesMs)} | ${s(b.otherInBatchMs)} | ${s(b.gcMs)} | ${u(b.cpuUtilisation)} | ${u(b.brokerCpuUtilisation)} | ` +
        `${s(t.bare.processingMs)}, ${s(t.bare.betweenBatchesMs)}, ${u(t.bare.cpuUtilisation)} |`,
    );
  }
  p();
  p('| format | engine alone points/s | decodeMessage alone points/s | decodeMessage + engine points/s | decodeMessage + onlineEm operator points/s |');
  p('|---|---|---|---|---|');
  for (const f of ['binary', 'json']) {
    const e = result.engineAlone[f];
    p(`| ${f} | ${range(e.engine, fmtInt)} | ${range(e.decode, fmtInt)} | ${range(e['decode+engine'], fmtInt)} | ${range(e.operator, fmtInt)} |`);
  }
  p();
  p(
    `Memory: RSS of the processor (\`/proc/<pid>/status\` VmRSS every ${RSS_SAMPLE_MS} ms), by progress through one backlog, while it ` +
      'consumes (up to the first sample showing every point). Target: max/min within 20% from 20% of the points on. Trend: ' +
      'least-squares slope of RSS against points over the same range. The V8 heap comes from the probe (`process.memoryUsage()`).',
  );
  p();
  p('| format | points | RSS at 10% | 50% | 90% | 100% | min – max from 20% | spread (target ≤ 20%) | mean at 20–60% → 60–100% | trend per million points | V8 heap used from 20% | V8 heap committed from 20% |');
  p('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const mem of result.memory) {
    if (mem.error || mem.skipped) {
      p(`| ${mem.format} | ${mem.points ? fmtInt(mem.points) : 'n/a'} | ${mem.error ? `failed: ${mem.error}` : `skipped: ${mem.skipped}`} | | | | | | | | | |`);
      continue;
    }
    const a = mem.rssAt;
    p(
      `| ${mem.format} | ${fmtInt(mem.points)} | ${mib(a['10%'])} | ${mib(a['50%'])} | ${mib(a['90%'])} | ${mib(a['100%'])} | ` +
        `${mib(mem.afterWarmup.min)} – ${mib(mem.afterWarmup.max)} | ${pct(mem.afterWarmup.spread)}: ${mem.flat ? 'met' : '**missed**'} | ` +
        `${mib(mem.meanRss['20-60%'])} → ${mib(mem.meanRss['60-100%'])} | ${mem.rssSlopePerMillionPoints === null ? 'n/a' : `${fmt1(mem.rssSlopePerMillionPoints / 2 ** 20)} MiB`} | ` +
        `${mem.heapUsedAfterWarmup ? `${mib(mem.heapUsedAfterWarmup.min)} – ${mib(mem.heapUsedAfterWarmup.max)}` : 'n/a'} | ` +
        `${mem.heapTotalAfterWarmup ? `${mib(mem.heapTotalAfterWarmup.min)} – ${mib(mem.heapTotalAfterWarmup.max)}` : 'n/a'} |`,
    );
  }
  const stepped = result.memory.filter((m) => !m.error && !m.skipped && !m.flat && m.largestRssStep?.heapTotalBefore != null);
  if (stepped.length > 0) {
    p();
    for (const m of stepped) {
      const st = m.largestRssStep;
      p(
        `Where the ${fmtInt(m.points)}-point ${m.format} run missed: its largest rise of RSS, ${mib(st.rss)} between two samples, came at ` +
          `${fmtInt(st.atPoints)} points, while V8's committed heap went from ${mib(st.heapTotalBefore)} to ${mib(st.heapTotalAfter)} ` +
          '(V8 sizing its heap up once; the heap in use stays in the range shown).',
      );
    }
  }
  p(KAFKA_BLOCK.end);
  return L.join('\n');
}
