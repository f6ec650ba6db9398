import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { ProcessorEvents } from '../processor-events.js';
import type { ProcessorStatus } from '../processor-status.js';
import { observeLatencies } from './latency-histograms.js';
import { KEYED_SERIES, SINGLE_MODEL_SERIES, type ProcessMemory, type StatusSeries } from './status-series.js';

export interface ProcessorMetricsOptions {
  readonly model: string;
  /** Keyed mode's series (null: one model). */
  readonly keyed: { readonly keyMetrics: boolean } | null;
  /** Process memory at a scrape (process.memoryUsage() by default; tests give fixed figures). */
  readonly memory?: () => ProcessMemory;
}

/**
 * The processor's metrics in a prom-client registry of its own (never the global one, so
 * several processors, or tests, in one process do not mix): the series read from the
 * status at each scrape, the latency histograms fed by the events, and prom-client's
 * default process and Node.js metrics (CPU, event-loop lag, GC, heap). Every series carries
 * the model's name as a label, so several processors can share one scrape configuration.
 */
export class ProcessorMetrics {
  readonly registry = new Registry();
  /** The status of the scrape under way: read once, not once per series. */
  private scraped: ProcessorStatus | null = null;
  private readonly memoryNow: () => ProcessMemory;
  private readonly stopObserving: () => void;

  constructor(
    events: ProcessorEvents,
    private readonly status: () => ProcessorStatus,
    options: ProcessorMetricsOptions,
  ) {
    this.memoryNow = options.memory ?? (() => process.memoryUsage());
    const series = options.keyed ? KEYED_SERIES.filter((s) => options.keyed!.keyMetrics || s.name !== 'key_log_likelihood_average') : SINGLE_MODEL_SERIES;
    for (const s of series) this.register(s, options.model);
    this.stopObserving = observeLatencies(events, this.registry, options.model, options.keyed !== null);
    collectDefaultMetrics({ register: this.registry, labels: { model: options.model } });
  }

  /** The exposition's content type (Prometheus text, version 0.0.4). */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text. */
  async text(): Promise<string> {
    this.scraped = this.status();
    // The registry collects every metric synchronously as it starts: the status is read once.
    const text = this.registry.metrics();
    this.scraped = null;
    return text;
  }

  /** Stop following the events (the default metrics' observers end with the registry's metrics). */
  close(): void {
    this.stopObserving();
    this.registry.clear();
  }

  private register(s: StatusSeries, model: string): void {
    const labelNames = ['model', ...s.labels];
    const samples = () => s.samples(this.scraped ?? this.status(), this.memoryNow());
    // A series reports the status's value: each scrape replaces what the last one set.
    if (s.type === 'counter') {
      const counter: Counter = new Counter({
        name: `online_em_${s.name}`,
        help: s.help,
        labelNames,
        registers: [this.registry],
        collect: () => {
          counter.reset();
          for (const sample of samples()) counter.inc({ model, ...sample.labels }, sample.value);
        },
      });
    } else {
      const gauge: Gauge = new Gauge({
        name: `online_em_${s.name}`,
        help: s.help,
        labelNames,
        registers: [this.registry],
        collect: () => {
          gauge.reset();
          for (const sample of samples()) gauge.set({ model, ...sample.labels }, sample.value);
        },
      });
    }
  }
}
