import type { Names } from './reliability.js';
import { ProcessorProcess, type LoggedEventOf } from './processor-process.js';

/** An instance's role, as its last ownership event told. */
export type Role = 'joining' | 'active' | 'standby' | 'exited';

/**
 * Several `online-em run` processes of one model (same names, same options), as a
 * Deployment runs replicas: start, kill and replace them, and ask which one holds the model.
 */
export class Instances {
  /** Every process started, in order, the dead ones too (their logs are evidence). */
  readonly all: ProcessorProcess[] = [];
  /** The slots of the replicas: the process that runs in each now. */
  readonly slots: ProcessorProcess[] = [];

  constructor(
    private readonly names: Names,
    private readonly options: readonly string[],
  ) {}

  start(count: number): void {
    for (let i = 0; i < count; i++) this.slots.push(this.spawn());
  }

  /** Replace the process of slot i with a new one (after killing or stopping it). */
  replace(i: number): ProcessorProcess {
    this.slots[i] = this.spawn();
    return this.slots[i];
  }

  static role(proc: ProcessorProcess): Role {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) return 'exited';
    const last = [...proc.events].reverse().find((e) => e.event === 'consuming' || e.event === 'standing-by' || e.event === 'handed-over' || e.event === 'fenced');
    if (!last) return 'joining';
    return last.event === 'consuming' ? 'active' : last.event === 'standing-by' ? 'standby' : 'joining';
  }

  /** The slot whose process holds the model now, if one does. */
  activeSlot(): number | null {
    const i = this.slots.findIndex((p) => Instances.role(p) === 'active');
    return i < 0 ? null : i;
  }

  /** Resolves once the live slots' roles are `roles` (in any order). */
  async waitUntilRoles(roles: readonly Role[], timeoutMs: number): Promise<void> {
    const want = [...roles].sort().join(',');
    const deadline = Date.now() + timeoutMs;
    while (this.slots.map((p) => Instances.role(p)).sort().join(',') !== want) {
      if (Date.now() > deadline) throw new Error(`roles ${this.slots.map((p) => Instances.role(p)).join(',')}, not ${want}, after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Every committed event of every process, with its time, in time order. */
  commits(): { at: number; proc: ProcessorProcess; event: LoggedEventOf<'committed'> }[] {
    return this.all
      .flatMap((proc) => proc.eventsOf('committed').map((event) => ({ at: Date.parse(event.time), proc, event })))
      .sort((a, b) => a.at - b.at);
  }

  /** Resolves once some process commits after `since` (ms since the epoch); rejects after `timeoutMs`. */
  async waitForCommit(since: number, timeoutMs: number, where: (e: LoggedEventOf<'committed'>) => boolean = () => true): Promise<LoggedEventOf<'committed'>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.commits().find((c) => c.at > since && where(c.event));
      if (found) return found.event;
      if (Date.now() > deadline) throw new Error(`no commit after ${new Date(since).toISOString()} within ${timeoutMs} ms; roles ${this.slots.map((p) => Instances.role(p)).join(',')}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** The longest time between two consecutive commits (of any process) within [from, to]. */
  longestPauseMs(from: number, to: number): { ms: number; after: number } {
    const times = [from, ...this.commits().map((c) => c.at).filter((t) => t >= from && t <= to), to];
    let best = { ms: 0, after: from };
    for (let i = 1; i < times.length; i++) if (times[i] - times[i - 1] > best.ms) best = { ms: times[i] - times[i - 1], after: times[i - 1] };
    return best;
  }

  /** SIGTERM every live process at once; resolves with their exits, rejects naming one that does not exit within `timeoutMs`. */
  async stopAll(timeoutMs = 30_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }[]> {
    const roles = this.slots.map((p) => Instances.role(p));
    for (const [i, p] of this.slots.entries()) if (roles[i] !== 'exited') p.kill('SIGTERM');
    return Promise.all(
      this.slots.map((p, i) =>
        Promise.race([
          p.exited,
          new Promise<never>((_resolve, reject) =>
            setTimeout(() => reject(new Error(`instance ${i} (${roles[i]}) did not exit within ${timeoutMs} ms of SIGTERM; log:\n${p.output.slice(-3000)}`)), timeoutMs).unref(),
          ),
        ]),
      ),
    );
  }

  killAll(): void {
    for (const p of this.all) if (p.child.exitCode === null && p.child.signalCode === null) p.kill('SIGKILL');
  }

  private spawn(): ProcessorProcess {
    const proc = ProcessorProcess.forNames(this.names, this.options);
    this.all.push(proc);
    return proc;
  }
}
