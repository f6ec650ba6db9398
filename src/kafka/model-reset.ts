import type { Admin } from 'kafkajs';
import { committedPointer, groupOffsets } from './checkpoint-store.js';
import { errorChain } from './error-chain.js';
import { ModelStateError } from './model-state-error.js';
import type { ModelResetEvent } from './processor-events.js';
import type { ProcessorConfig } from './processor-types.js';

/** Kafka's DeleteGroups error codes that this reset understands. */
const NON_EMPTY_GROUP = 68;
const GROUP_ID_NOT_FOUND = 69;

/**
 * --reset-model: delete the model's consumer group, and with it the committed offsets
 * that point at its checkpoint, so the fit starts over (from --start-from). The state
 * topic's old records stay, but nothing points at them any more; the first commit of
 * the new fit supersedes them under the model's key. Refused while any member is in the
 * group: a running instance would go on with the old model.
 */
export async function resetModel(admin: Admin, config: ProcessorConfig): Promise<ModelResetEvent> {
  const offsets = await groupOffsets(admin, config.group, config.topics.input);
  const event: ModelResetEvent = {
    type: 'model-reset',
    model: config.model,
    group: config.group,
    checkpoint: committedPointer(offsets),
    partitions: offsets.filter((o) => BigInt(o.offset) >= 0n).length,
  };
  try {
    await admin.deleteGroups([config.group]);
  } catch (error) {
    const code = deleteGroupsErrorCode(error);
    if (code === GROUP_ID_NOT_FOUND) return event;
    if (code === NON_EMPTY_GROUP) {
      throw new ModelStateError(`--reset-model: consumer group ${config.group} still has members; stop every instance of model '${config.model}' first, then reset`);
    }
    throw error;
  }
  return event;
}

/** The DeleteGroups error code of our group, wherever kafkajs's retrier wrapped it. */
function deleteGroupsErrorCode(error: unknown): number | null {
  for (const e of errorChain(error)) {
    const groups = (e as { groups?: { errorCode: number }[] }).groups;
    if (Array.isArray(groups) && groups.length > 0) return groups[0].errorCode;
  }
  return null;
}
