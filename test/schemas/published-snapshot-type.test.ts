import { describe, expectTypeOf, it } from 'vitest';
import type { AnomalySummary, MixtureSnapshot, PartitionOffset, PublishedSnapshot } from '../../src/index.js';

/** The library's types of a snapshot-topic record: checked by tsc (tsconfig.test.json) and at run time by vitest's type assertions. */
describe('PublishedSnapshot (exported from the package)', () => {
  it('is a MixtureSnapshot with the Kafka fields, typed', () => {
    expectTypeOf<PublishedSnapshot>().toExtend<MixtureSnapshot>();
    expectTypeOf<PublishedSnapshot['model']>().toEqualTypeOf<string>();
    expectTypeOf<PublishedSnapshot['offsets']>().toEqualTypeOf<readonly PartitionOffset[]>();
    expectTypeOf<PartitionOffset>().toEqualTypeOf<{ readonly topic: string; readonly partition: number; readonly offset: string }>();
    expectTypeOf<PublishedSnapshot['input']>().toEqualTypeOf<{ readonly messages: number; readonly deadLettered: number }>();
    expectTypeOf<PublishedSnapshot['final']>().toEqualTypeOf<boolean>();
    expectTypeOf<PublishedSnapshot['key']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<PublishedSnapshot['anomaly']>().toEqualTypeOf<AnomalySummary | undefined>();
    expectTypeOf<AnomalySummary['flagged']>().toEqualTypeOf<number>();
  });
});
