/**
 * A group of JSON message values sent to the decode thread in one message: their bytes
 * back to back, and where each ends.
 */
export interface DecodeGroupRequest {
  readonly id: number;
  readonly bytes: Uint8Array;
  /** End offset of each value in `bytes` (the first starts at 0). */
  readonly ends: Int32Array;
}

/**
 * What the decode thread made of a group: the rows of every message it could decode,
 * back to back in `data`, and per message [first number, n, dim] in `layout`, with dim 0
 * for a message left to the main thread (decodeMessage gives it its reason there).
 */
export interface DecodeGroupResult {
  readonly id: number;
  readonly data: Float64Array;
  readonly layout: Int32Array;
}

/** Layout entries per message. */
export const LAYOUT_STRIDE = 3;
