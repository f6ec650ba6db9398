import { availableParallelism } from 'node:os';
import type { OptionSpec } from './option-spec.js';

/**
 * --decode-thread of `fit` and `run`: parse the input on a thread of its own while the main
 * thread fits. auto: when the machine has a core for it beside the fit's.
 */
export function decodeThreadSpec(description: string) {
  return {
    name: 'decode-thread',
    kind: 'choice',
    choices: ['auto', 'on', 'off'],
    default: 'auto',
    env: 'ONLINE_EM_DECODE_THREAD',
    description,
  } as const satisfies OptionSpec;
}

export function usesDecodeThread(choice: 'auto' | 'on' | 'off'): boolean {
  return choice === 'on' || (choice === 'auto' && availableParallelism() > 1);
}
