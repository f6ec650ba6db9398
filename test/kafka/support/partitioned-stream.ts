import type { Message } from 'kafkajs';
import type { PublishedSnapshot } from '../../../src/kafka/processor-types.js';
import type { AccountedMessage } from './accounted-stream.js';
import { StreamLedger } from './accounted-stream.js';

/**
 * A stream over several partitions: message i goes to partition i % partitions, so on a
 * fresh topic (one idempotent producer) it stands at offset floor(i / partitions) there.
 * A snapshot whose next offsets are X_p must reflect exactly the messages before X_p on
 * every partition p: one StreamLedger per partition, summed.
 */
export class PartitionedLedger {
  readonly ledgers: StreamLedger[];

  constructor(
    readonly messages: readonly AccountedMessage[],
    readonly partitions: number,
  ) {
    this.ledgers = Array.from({ length: partitions }, (_, p) => new StreamLedger(messages.filter((_m, i) => i % partitions === p)));
  }

  get totalValid(): number {
    return this.ledgers.reduce((n, l) => n + l.totalValid, 0);
  }

  get totalRefused(): number {
    return this.ledgers.reduce((n, l) => n + l.totalRefused, 0);
  }

  get totalDeadLettered(): number {
    return this.ledgers.reduce((n, l) => n + l.totalDeadLettered, 0);
  }

  /** `topic/partition/offset` of every message that must be dead-lettered, sorted. */
  deadLetterSources(topic: string): string[] {
    return this.ledgers.flatMap((l, p) => l.deadLetterOffsets.map((o) => `${topic}/${p}/${o}`)).sort();
  }

  /** The produced records, each with its partition. */
  records(): (Message & { partition: number })[] {
    return this.messages.map((m, i) => ({ value: m.value, partition: i % this.partitions, ...(m.headers ? { headers: m.headers } : {}) }));
  }

  /** How a committed snapshot disagrees with the messages before its offsets (empty: exactly). */
  disagreement(s: PublishedSnapshot): string[] {
    const at = new Map(s.offsets.map((o) => [o.partition, Number(o.offset)]));
    let valid = 0;
    let refused = 0;
    let messages = 0;
    let deadLettered = 0;
    for (const [p, ledger] of this.ledgers.entries()) {
      const x = at.get(p) ?? 0;
      if (!(x >= 0 && x <= ledger.messages.length)) return [`partition ${p}: offset ${x} outside its ${ledger.messages.length} messages`];
      valid += ledger.valid[x];
      refused += ledger.refused[x];
      deadLettered += ledger.deadLettered[x];
      messages += x;
    }
    const out: string[] = [];
    if (s.pointsSeen !== valid) out.push(`pointsSeen ${s.pointsSeen} != ${valid} valid points before offsets ${JSON.stringify(s.offsets)}`);
    if (s.rejected !== refused) out.push(`rejected ${s.rejected} != ${refused}`);
    if (s.input.messages !== messages) out.push(`input.messages ${s.input.messages} != ${messages}`);
    if (s.input.deadLettered !== deadLettered) out.push(`input.deadLettered ${s.input.deadLettered} != ${deadLettered}`);
    return out;
  }
}
