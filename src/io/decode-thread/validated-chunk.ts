import { inferDimension, pointLength, validatePointInto, type PointRejection, type RejectionCode } from '../../em/point-validation.js';
import type { PointChunk } from '../point-file.js';

/** Accepted points of consecutive rows, as n×dim float64 (NaN where missing), with each row's line. */
export interface AcceptedRun {
  readonly kind: 'accepted';
  readonly data: Float64Array;
  readonly dim: number;
  readonly lines: Int32Array;
}

/** Refused rows, consecutive in the input: each one's code, message and line. */
export interface RefusedRun {
  readonly kind: 'refused';
  readonly codes: RejectionCode[];
  readonly messages: string[];
  readonly lines: number[];
}

/**
 * A reader's chunk validated as the engine validates it: its rows, in input order, as runs
 * of accepted float64 points and of refused rows. It crosses threads as plain data (the
 * float64 rows and lines are transferred), where rows of arrays and RefusedPoint would be
 * cloned, or lose their class.
 */
export interface ValidatedChunk {
  readonly epoch: number;
  readonly runs: (AcceptedRun | RefusedRun)[];
}

/**
 * Validates chunks exactly as the online-EM engine validates an input item: the dimension is
 * the one given, else that of the first row valid on its own within the first chunk that
 * has one (until then every row is refused for its own reason, as `OnlineEm.ingestRows`
 * does); then each row by `validatePointInto`. Feeding the engine the runs in order (the
 * accepted as float64 rows, the refused as RefusedPoints of the same code and message)
 * therefore gives the model, counters and rejections of feeding it the rows.
 */
export class ChunkValidator {
  constructor(
    private dim: number | null,
    private readonly maxAbs: number,
  ) {}

  validate(chunk: PointChunk): ValidatedChunk {
    const { rows, lines } = chunk;
    this.dim ??= inferDimension(rows, this.maxAbs);
    const dim = this.dim;
    const runs: (AcceptedRun | RefusedRun)[] = [];
    const data = new Float64Array(dim === null ? 0 : rows.length * dim);
    const acceptedLines = new Int32Array(rows.length);
    let accepted = 0;
    let runStart = 0;
    let refused: RefusedRun | null = null;
    const closeAccepted = (): void => {
      if (accepted === runStart) return;
      // Copies, so that each run's buffer can be transferred on its own.
      runs.push({ kind: 'accepted', data: data.slice(runStart * dim!, accepted * dim!), dim: dim!, lines: acceptedLines.slice(runStart, accepted) });
      runStart = accepted;
    };
    for (let i = 0; i < rows.length; i++) {
      const result = dim === null ? ownReason(rows[i], this.maxAbs) : validatePointInto(rows[i], dim, this.maxAbs, data, accepted * dim);
      if (typeof result === 'number') {
        refused = null;
        acceptedLines[accepted++] = lines[i];
        continue;
      }
      closeAccepted();
      if (refused === null) {
        refused = { kind: 'refused', codes: [], messages: [], lines: [] };
        runs.push(refused);
      }
      refused.codes.push(result.code);
      refused.messages.push(result.message);
      refused.lines.push(lines[i]);
    }
    closeAccepted();
    return { epoch: chunk.epoch, runs };
  }
}

/** Why a row is refused while no dimension is known: as valid alone it would have fixed one, so it is not. */
function ownReason(row: unknown, maxAbs: number): PointRejection {
  const length = pointLength(row);
  return validatePointInto(row, length, maxAbs, new Float64Array(length), 0) as PointRejection;
}
