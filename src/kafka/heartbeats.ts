import { isRebalance } from './ownership/group-membership.js';

/** False when the heartbeat says the group is rebalancing (the batch ends; kafkajs rejoins). */
export async function heartbeatUnlessRebalancing(heartbeat: () => Promise<void>): Promise<boolean> {
  try {
    await heartbeat();
    return true;
  } catch (error) {
    if (isRebalance(error)) return false;
    throw error;
  }
}

/** Wait for `work`, heartbeating every `intervalMs` meanwhile (a rebalance's heartbeat error just stops them). */
export async function whileHeartbeating<T>(work: Promise<T>, heartbeat: () => Promise<void>, intervalMs: number): Promise<T> {
  let beating = true;
  const timer = setInterval(() => {
    if (beating) heartbeat().catch(() => (beating = false));
  }, intervalMs);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}
