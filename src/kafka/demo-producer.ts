import type { Producer } from 'kafkajs';
import { SeededRandom } from '../em/random.js';
import type { Logger } from '../log/logger.js';
import { DriftingMixture } from '../synthetic/drifting-mixture.js';
import { binaryHeaders, encodeBinaryPoints, JSON_CONTENT_TYPE } from './message-format.js';

/** The demo stream's defaults: `online-em demo-producer` and the embedded default of `online-em run`. */
export const DEMO_STREAM = { components: 3, dim: 2, rate: 5000, pointsPerMessage: 100, driftPeriod: 3_000_000, seed: 7 } as const;

export interface DemoProducerOptions {
  readonly topic: string;
  readonly components: number;
  readonly dim: number;
  /** Points per second (approximately: messages are sent on a 100 ms tick). */
  readonly rate: number;
  readonly pointsPerMessage: number;
  readonly format: 'json' | 'binary';
  /** Points per full turn of the drifting means; 0 for a stationary mixture. */
  readonly driftPeriod: number;
  /** Fraction of messages sent malformed on purpose, to show the dead-letter topic at work. */
  readonly badFraction: number;
  readonly seed: number;
  /** Stop after this many points (null: until stopped). */
  readonly maxPoints: number | null;
}

const TICK_MS = 100;
const BAD_MESSAGES = [
  '{"points": [[1, 2, "three"]]}',
  '[1, 2',
  'not json at all',
  '{"points": [[null, null]]}',
  '[[1e999, 0]]',
];

/** Streams a drifting synthetic mixture to a topic at a steady rate. */
export class DemoProducer {
  private timer: NodeJS.Timeout | null = null;
  private sending: Promise<unknown> = Promise.resolve();
  private readonly source: DriftingMixture;
  private readonly rng: SeededRandom;
  private carry = 0;
  private sent = 0;
  private stopped = false;
  private resolveDone!: () => void;
  /** Resolves when the producer stopped (by stop() or after maxPoints). */
  readonly done = new Promise<void>((resolve) => (this.resolveDone = resolve));

  constructor(
    private readonly producer: Producer,
    private readonly options: DemoProducerOptions,
    private readonly logger: Logger,
  ) {
    this.source = new DriftingMixture({ k: options.components, dim: options.dim, seed: options.seed, period: options.driftPeriod });
    this.rng = new SeededRandom(options.seed + 2);
  }

  get pointsSent(): number {
    return this.sent;
  }

  start(): void {
    this.timer = setInterval(() => {
      if (this.stopped) return;
      this.sending = this.sending.then(() => this.tick()).catch((error: unknown) => {
        this.logger.warn(`demo producer could not send: ${error instanceof Error ? error.message : String(error)}; retrying`);
      });
    }, TICK_MS);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.sending;
    this.resolveDone();
  }

  private async tick(): Promise<void> {
    const { options } = this;
    this.carry += (options.rate * TICK_MS) / 1000;
    let budget = Math.floor(this.carry);
    if (options.maxPoints !== null) budget = Math.min(budget, options.maxPoints - this.sent);
    this.carry -= budget;
    const messages = [];
    while (budget > 0) {
      const n = Math.min(options.pointsPerMessage, budget);
      budget -= n;
      this.sent += n;
      if (this.rng.uniform() < options.badFraction) {
        messages.push({ value: BAD_MESSAGES[this.rng.int(BAD_MESSAGES.length)], headers: { 'content-type': JSON_CONTENT_TYPE } });
        continue;
      }
      const points = this.source.next(n);
      messages.push(
        options.format === 'binary'
          ? { value: encodeBinaryPoints(points), headers: binaryHeaders(options.dim) }
          : { value: JSON.stringify({ points: rows(points, options.dim) }), headers: { 'content-type': JSON_CONTENT_TYPE } },
      );
    }
    if (messages.length > 0) await this.producer.send({ topic: options.topic, messages });
    if (options.maxPoints !== null && this.sent >= options.maxPoints) void this.stop();
  }
}

function rows(data: Float64Array, dim: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < data.length; i += dim) out.push(Array.from(data.subarray(i, i + dim)));
  return out;
}
