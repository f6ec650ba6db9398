import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import type { IndexedRejection } from '../em/point-validation.js';
import type { MessagePosition } from './message-format.js';

/** Headers a dead letter carries on top of the original message's own. */
export const DEAD_LETTER_HEADERS = {
  /** Human summary of what was wrong. */
  reason: 'online-em-reason',
  /** Code of the first rejection (see RejectionCode), e.g. wrong-dimension. */
  code: 'online-em-code',
  /** JSON array of up to 100 {index, code, message}: which points were refused. */
  rejections: 'online-em-rejections',
  rejectedPoints: 'online-em-rejected-points',
  /** Points of the same message that were accepted into the model. */
  acceptedPoints: 'online-em-accepted-points',
  /** topic/partition/offset of the original message. */
  source: 'online-em-source',
  model: 'online-em-model',
} as const;

const LISTED_REJECTIONS = 100;
const SUMMARISED_REJECTIONS = 3;

/**
 * The dead letter for a message with refused points: its original key, value, headers
 * and timestamp, plus headers saying why. A message whose points were only partly
 * refused is dead-lettered whole (for the reasons), while its good points count.
 */
export function deadLetterFor(
  original: KafkaMessage,
  position: MessagePosition,
  rejections: readonly IndexedRejection[],
  pointsInMessage: number,
  model: string,
): Message {
  const refusedWhole = rejections.length === 1 && rejections[0].code === 'undecodable';
  const summary = rejections
    .slice(0, SUMMARISED_REJECTIONS)
    .map((r) => (refusedWhole ? r.message : `point ${r.index}: ${r.code}: ${r.message}`))
    .join('; ');
  const more = rejections.length > SUMMARISED_REJECTIONS ? `; and ${rejections.length - SUMMARISED_REJECTIONS} more` : '';
  const reason = refusedWhole ? summary : `${rejections.length} of ${pointsInMessage} points refused: ${summary}${more}`;
  const headers: IHeaders = {
    ...(original.headers ?? {}),
    [DEAD_LETTER_HEADERS.reason]: reason,
    [DEAD_LETTER_HEADERS.code]: rejections[0].code,
    [DEAD_LETTER_HEADERS.rejections]: JSON.stringify(
      rejections.slice(0, LISTED_REJECTIONS).map(({ index, code, message }) => ({ index, code, message })),
    ),
    [DEAD_LETTER_HEADERS.rejectedPoints]: String(refusedWhole ? 0 : rejections.length),
    [DEAD_LETTER_HEADERS.acceptedPoints]: String(refusedWhole ? 0 : pointsInMessage - rejections.length),
    [DEAD_LETTER_HEADERS.source]: `${position.topic}/${position.partition}/${position.offset}`,
    [DEAD_LETTER_HEADERS.model]: model,
  };
  return { key: original.key, value: original.value, headers, timestamp: original.timestamp };
}
