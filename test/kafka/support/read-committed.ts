/**
 * Setup of the kafka project's test files: the kafkajs clients the tests make themselves
 * (support/kafka-io.ts) read the topics as the processor does, without kafkajs's records of
 * aborted transactions (src/kafka/read-committed/aborted-records.ts).
 */
import { hideAbortedRecordsInFetches } from '../../../src/kafka/read-committed/aborted-records.js';

hideAbortedRecordsInFetches();
