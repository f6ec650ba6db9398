// The bench's child processes: the environment they get, and the helpers that print one JSON
// line (the bare consumer, the engine alone).
import { spawn } from 'node:child_process';
import { RUN_TIMEOUT_MS } from './config.mjs';
import { children } from './session.mjs';

/** The bench's environment without ONLINE_EM_* and KAFKA_* (every child runs the defaults). */
export function childEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(ONLINE_EM_|KAFKA_)/.test(k)) env[k] = v;
  return { ...env, KAFKAJS_NO_PARTITIONER_WARNING: '1', ...extra };
}

/** `node script '<json arg>'`; resolves with the JSON line it printed last, or { error }. */
export function runJsonChild(script, arg, timeoutMs = RUN_TIMEOUT_MS) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, JSON.stringify(arg)], { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      const line = out.trim().split('\n').pop();
      try {
        resolve({ ...JSON.parse(line), exit: { code, signal } });
      } catch {
        resolve({ error: `exit ${code ?? signal}: ${err.trim().split('\n').slice(-5).join(' | ') || out.slice(-500)}` });
      }
    });
  });
}
