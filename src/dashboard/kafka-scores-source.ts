import type { IHeaders, Kafka } from 'kafkajs';
import { headerText } from '../kafka/message-format.js';
import { decodeBinaryScores, isBinaryScores, SCORES_HEADERS } from '../kafka/scores/scores-record.js';
import { REFUSED_COMPONENT, WARMING_UP_COMPONENT } from '../stream/item-scoring.js';
import type { Logger } from '../log/logger.js';
import type { RecordScores, ScoreSummaries } from './score-summary.js';
import { TopicFollower } from './topic-follower.js';

/** A scores record decoded for the dashboard, or why it is not one. */
export type DecodedScoresRecord = { readonly model: string; readonly source: string; readonly scores: RecordScores } | { readonly error: string };

/**
 * Decodes a scores record in either form: binary (content-type application/x-online-em-scores,
 * model and source in the headers) or JSON (`{"model", "source", "points": [...]}`, the
 * headers' model first when both are there).
 */
export function decodeScoresRecord(value: Buffer, headers: IHeaders | undefined): DecodedScoresRecord {
  const headerModel = headerText(headers, SCORES_HEADERS.model);
  const headerSource = headerText(headers, SCORES_HEADERS.source) ?? '';
  if (isBinaryScores(headers)) {
    if (headerModel === undefined) return { error: `binary scores record without its ${SCORES_HEADERS.model} header` };
    try {
      return { model: headerModel, source: headerSource, scores: decodeBinaryScores(value) };
    } catch (error) {
      return { error: (error as Error).message };
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(value.toString('utf8'));
  } catch {
    return { error: 'neither JSON nor a binary scores record' };
  }
  const record = json as { model?: unknown; source?: unknown; points?: unknown };
  if (typeof json !== 'object' || json === null || !Array.isArray(record.points)) return { error: 'a JSON scores record has "points": an array' };
  const model = headerModel ?? (typeof record.model === 'string' ? record.model : undefined);
  if (model === undefined) return { error: `scores record names no model (no ${SCORES_HEADERS.model} header, no "model")` };
  const points = record.points as unknown[];
  const n = points.length;
  const logLikelihood = new Float64Array(n).fill(Number.NaN);
  const component = new Int32Array(n);
  const anomaly = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const p = points[i] as { logLikelihood?: unknown; component?: unknown; anomaly?: unknown; refused?: unknown; warmingUp?: unknown } | null;
    if (typeof p !== 'object' || p === null) return { error: `point ${i} of a JSON scores record is not an object` };
    if (p.refused === true) component[i] = REFUSED_COMPONENT;
    else if (p.warmingUp === true) component[i] = WARMING_UP_COMPONENT;
    else if (typeof p.logLikelihood === 'number' && Number.isInteger(p.component) && (p.component as number) >= 0) {
      logLikelihood[i] = p.logLikelihood;
      component[i] = p.component as number;
      anomaly[i] = p.anomaly === true ? 1 : 0;
    } else return { error: `point ${i} of a JSON scores record has no logLikelihood and component (nor refused, warmingUp)` };
  }
  const source = headerSource !== '' ? headerSource : typeof record.source === 'string' ? record.source : '';
  return { model, source, scores: { n, logLikelihood, component, anomaly } };
}

/**
 * Follows the scores topic into ScoreSummaries: from its end (new records only: the topic
 * can hold millions of points), read_committed (aborted scores never count), committing
 * nothing, in a group of its own, new each time, deleted at stop.
 */
export class KafkaScoresSource {
  private readonly follower: TopicFollower;
  /** Records skipped as not scores records, since the start. */
  skipped = 0;

  constructor(
    kafka: Kafka,
    private readonly topic: string,
    private readonly summaries: ScoreSummaries,
    private readonly logger: Logger,
  ) {
    this.follower = new TopicFollower(kafka, topic, 'online-em-dashboard-scores');
  }

  /**
   * Connects and follows the topic from the end offsets of now: every record written after
   * it resolves is read (the group's own "latest" would be taken only once it has joined).
   * A topic that does not exist yet (the processor creates it) is looked for every few
   * seconds and then read from its beginning: all of it was written after the start.
   */
  async start(): Promise<void> {
    const waiting = `scores topic ${this.topic} does not exist yet: the dashboard follows it once run --scores-topic creates it`;
    await this.follower.start(this.logger, waiting, (existed) => this.follow(existed));
  }

  private async follow(fromEnd: boolean): Promise<void> {
    const { consumer, admin } = this.follower;
    const ends = fromEnd ? await admin.fetchTopicOffsets(this.topic) : [];
    await consumer.connect();
    await consumer.subscribe({ topics: [this.topic], fromBeginning: !fromEnd });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        if (message.value === null) return;
        const decoded = decodeScoresRecord(message.value, message.headers);
        if ('error' in decoded) {
          if (this.skipped++ === 0) this.logger.warn(`${this.topic} partition ${partition} offset ${message.offset}: ${decoded.error}; skipped (and any further bad scores records, counted)`);
          return;
        }
        this.summaries.add(decoded.model, decoded.source, decoded.scores);
      },
    });
    for (const { partition, offset } of ends) consumer.seek({ topic: this.topic, partition, offset });
    this.logger.debug(`dashboard following ${this.topic} from its ${fromEnd ? 'end' : 'beginning'} (group ${this.follower.groupId})`);
  }

  stop(): Promise<void> {
    return this.follower.stop();
  }
}
