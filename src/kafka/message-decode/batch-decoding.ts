import type { KafkaMessage } from 'kafkajs';
import type { PointInput } from '../../stream/point-input.js';
import { decodeMessage, isJsonMessage, type MessagePosition } from '../message-format.js';
import { LAYOUT_STRIDE, type DecodeGroupResult } from './decode-group.js';
import type { MessageDecodeThread } from './message-decode-thread.js';

/**
 * Bytes of JSON values per group sent to the decode thread: a group costs a round trip
 * of tens of µs, and the main thread waits for the first one of a batch before it fits.
 */
const GROUP_BYTES = 64 * 1024;

/** Where a message's decoded rows are: its group and its index there. */
interface Placement {
  readonly group: number;
  readonly index: number;
}

/**
 * The messages of one fetched batch, their JSON values parsed on the decode thread in
 * groups, all sent at once, so that the thread parses ahead of the fit. `input` gives
 * message i's operator input: float64 rows from the thread (the engine takes them as it
 * would take the rows: see uniformJsonRows), or, for every other message (binary, refused
 * before parsing, or JSON the thread left alone), decodeMessage here, as without the thread.
 */
export class BatchDecoding {
  private readonly placements: (Placement | null)[];
  private readonly groups: Promise<DecodeGroupResult | null>[] = [];
  private readonly ready: (DecodeGroupResult | null | undefined)[] = [];

  constructor(
    private readonly messages: readonly KafkaMessage[],
    private readonly maxBytes: number,
    thread: MessageDecodeThread,
  ) {
    this.placements = new Array<Placement | null>(messages.length).fill(null);
    let values: Buffer[] = [];
    let bytes = 0;
    const send = (): void => {
      const group = this.groups.length;
      this.groups.push(thread.decode(values).then((result) => (this.ready[group] = result)));
      values = [];
      bytes = 0;
    };
    messages.forEach((message, i) => {
      if (!isJsonMessage(message.value, message.headers, maxBytes)) return;
      this.placements[i] = { group: this.groups.length, index: values.length };
      values.push(message.value);
      bytes += message.value.length;
      if (bytes >= GROUP_BYTES) send();
    });
    if (values.length > 0) send();
  }

  /** Message i's input: at once when its group is back (or it has none), else once it is. */
  input(i: number, position: MessagePosition): PointInput<MessagePosition> | Promise<PointInput<MessagePosition>> {
    const placement = this.placements[i];
    if (placement === null) return this.here(i, position);
    const result = this.ready[placement.group];
    if (result !== undefined) return this.from(result, placement.index, i, position);
    return this.groups[placement.group].then((r) => this.from(r, placement.index, i, position));
  }

  private from(result: DecodeGroupResult | null, index: number, i: number, position: MessagePosition): PointInput<MessagePosition> {
    if (result === null) return this.here(i, position);
    const at = index * LAYOUT_STRIDE;
    const [offset, n, dim] = [result.layout[at], result.layout[at + 1], result.layout[at + 2]];
    if (dim === 0) return this.here(i, position);
    return { data: result.data.subarray(offset, offset + n * dim), dim, position };
  }

  private here(i: number, position: MessagePosition): PointInput<MessagePosition> {
    const message = this.messages[i];
    return decodeMessage(message.value, message.headers, position, this.maxBytes);
  }
}
