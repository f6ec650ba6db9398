import { availableParallelism } from 'node:os';
import type { OptionSpec } from './option-spec.js';

export type DecodeThreadChoice = 'auto' | 'on' | 'off';

/**
 * --decode-thread of `fit` and `run`: parse the input on a thread of its own while the main
 * thread fits. `auto` turns it on from `autoCores` cores: fit gains from 2 (BENCHMARKS.md §2),
 * while run on 2 cores, beside a broker, lost 5-25% with it (§ threads in the processor).
 */
export function decodeThreadSpec(description: string, defaultChoice: DecodeThreadChoice) {
  return {
    name: 'decode-thread',
    kind: 'choice',
    choices: ['auto', 'on', 'off'],
    default: defaultChoice,
    env: 'ONLINE_EM_DECODE_THREAD',
    description,
  } as const satisfies OptionSpec;
}

/** Cores from which `fit`'s --decode-thread auto is on (main.ts starts the thread ahead on as many). */
export const FIT_DECODE_THREAD_CORES = 2;

export function usesDecodeThread(choice: DecodeThreadChoice, autoCores: number): boolean {
  return choice === 'on' || (choice === 'auto' && availableParallelism() >= autoCores);
}
