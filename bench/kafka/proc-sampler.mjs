// RSS and CPU of processes from /proc, and the processor's own counters from its probe file,
// sampled on a timer while a run goes on.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { nowMs } from './instrument.mjs';

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

function safeRead(path) {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** RSS (bytes, /proc/<pid>/status VmRSS) and CPU time (ms, utime + stime of /proc/<pid>/stat); null once it is gone. */
export function procSample(pid) {
  const status = safeRead(`/proc/${pid}/status`);
  const stat = safeRead(`/proc/${pid}/stat`);
  if (!status || !stat) return null;
  const rssKb = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1]);
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuMs = ((Number(fields[11]) + Number(fields[12])) / CLK_TCK) * 1000; // utime + stime
  return { rss: rssKb * 1024, cpuMs };
}

/** The probe's last JSON (bench/kafka/probe.mjs rewrites it every 250 ms); null while there is none. */
export function readProbe(file) {
  const text = safeRead(file);
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/**
 * Every `everyMs`: the processor's RSS and CPU with its points and V8 heap (from the probe)
 * into `samples`, and the broker's CPU into `brokerCpu`. `stop()` ends it with a last
 * processor sample.
 */
export function sampleProcessor({ pid, probeFile, brokerPid, everyMs }) {
  const samples = [];
  const brokerCpu = [];
  const timer = setInterval(() => {
    const t = nowMs();
    const p = procSample(pid);
    if (!p) return;
    const probe = readProbe(probeFile);
    const mem = probe?.memory;
    samples.push({ t, rss: p.rss, cpuMs: p.cpuMs, points: probe?.points ?? 0, heapUsed: mem?.heapUsed ?? null, heapTotal: mem?.heapTotal ?? null, external: mem?.external ?? null, arrayBuffers: mem?.arrayBuffers ?? null });
    if (brokerPid) {
      const b = procSample(brokerPid);
      if (b) brokerCpu.push({ t, cpuMs: b.cpuMs });
    }
  }, everyMs);
  return {
    samples,
    brokerCpu,
    stop() {
      clearInterval(timer);
      const p = procSample(pid);
      if (p) samples.push({ t: nowMs(), rss: p.rss, cpuMs: p.cpuMs, points: readProbe(probeFile)?.points ?? 0 });
    },
  };
}
