import { errorChain } from '../error-chain.js';
import { describeSecurity, type ConnectionSettings } from './connection-settings.js';
import { speaksPlaintextKafka, speaksTls } from './protocol-probe.js';

/**
 * What a failure to connect means for the processor:
 * - `credentials`: the cluster refused the login; retrying cannot fix it;
 * - `authorization`: logged in, but an ACL refuses this client an operation it needs;
 * - `certificate`: TLS verification failed (ours of the broker, or the broker's of our
 *   client certificate); retrying cannot fix it either;
 * - `protocol`: the client and the listener speak different protocols (plaintext to TLS, or
 *   the reverse), confirmed by probing the listener with the other one;
 * - `transient`: anything else (a broker down or starting, a proxy reset, a network error):
 *   retried with backoff.
 */
export type ConnectionFailureKind = 'credentials' | 'authorization' | 'certificate' | 'protocol' | 'transient';

export interface ConnectionFailure {
  readonly kind: ConnectionFailureKind;
  /** One line: what went wrong, with which broker, protocol and mechanism, and what to check. */
  readonly line: string;
}

/** Exit code of a process that stops because retrying cannot help (credentials, ACLs, certificates, protocol). */
export const EXIT_CONNECTION_REFUSED = 3;

/**
 * Exit code of a one-shot command (demo-producer) that could not reach the cluster within its
 * bounded retries: a broker down, unreachable or not answering. (run never exits for that: it
 * retries with backoff until stopped. 4 is run's: EXIT_MODEL_STATE_REFUSED.)
 */
export const EXIT_UNREACHABLE = 5;

const CERTIFICATE_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const AUTHORIZATION_TYPES: Readonly<Record<string, string>> = {
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: 'grant this user WRITE and DESCRIBE on the TransactionalId (--transactional-id, default online-em-MODEL)',
  GROUP_AUTHORIZATION_FAILED: 'grant this user READ on the consumer group (--group, default online-em-MODEL)',
  TOPIC_AUTHORIZATION_FAILED: 'grant this user READ on the input topic and WRITE on the snapshot, dead-letter and state topics (and CREATE, or create them first)',
  CLUSTER_AUTHORIZATION_FAILED: 'grant this user the cluster operations it needs (IDEMPOTENT_WRITE for the transactional producer, CREATE for missing topics)',
};

/**
 * kafkajs reports any failure inside the SASL exchange as KafkaJSSASLAuthenticationError,
 * a dropped connection or a time-out included: only the broker's own refusal is about
 * credentials.
 */
const NOT_A_REFUSAL = /connection (closed|error)|closed connection|timed? ?out|ECONN|EPIPE|socket|network/i;

/**
 * What the failure means. `everAnswered`: the cluster answered this process before (then
 * a closed connection is a broker's trouble, never a protocol mismatch). Probes the
 * listener when a closed connection could be a protocol mismatch.
 */
export async function classifyConnectionFailure(error: unknown, settings: ConnectionSettings, everAnswered: boolean): Promise<ConnectionFailure> {
  const errors = errorChain(error);
  const where = `brokers ${settings.brokers.join(',')} over ${describeSecurity(settings)}`;
  const text = errors.map((e) => e.message).join(' | ');
  const code = errors.map((e) => (e as { code?: string }).code).find((c) => typeof c === 'string');
  const sasl = errors.find((e) => e.name === 'KafkaJSSASLAuthenticationError');
  if (sasl && !NOT_A_REFUSAL.test(sasl.message)) {
    return {
      kind: 'credentials',
      line: `the cluster refused the login (${sasl.message}; ${where}): check --sasl-username and the password, and that --sasl-mechanism is one the cluster enables`,
    };
  }
  const denied = errors.map((e) => (e as { type?: string }).type).find((t) => t !== undefined && t in AUTHORIZATION_TYPES);
  if (denied) {
    return { kind: 'authorization', line: `the cluster's ACLs refuse this client (${denied}; ${where}): ${AUTHORIZATION_TYPES[denied]}` };
  }
  if (code && CERTIFICATE_CODES.has(code)) {
    return {
      kind: 'certificate',
      line: `the broker's TLS certificate is not trusted (${code}; ${where}): give the CA that signed it with --ssl-ca (or ssl.ca.location), and connect by the name or address it was issued for`,
    };
  }
  // OpenSSL 3.0 (Node 20) names the alert 'sslv3 alert …', OpenSSL 3.5 (Node 24) 'ssl/tls alert …'.
  if (code && /^ERR_SSL_(SSLV3|TLSV1[0-3]?|SSL\/TLS)_ALERT_(BAD_CERTIFICATE|CERTIFICATE_REQUIRED|UNKNOWN_CA|CERTIFICATE_UNKNOWN|ACCESS_DENIED)$/.test(code)) {
    return {
      kind: 'certificate',
      line: `the broker refused this client's TLS certificate (${code}; ${where}): the listener wants a client certificate its CA signed: check --ssl-cert and --ssl-key`,
    };
  }
  if (!everAnswered && (await protocolMismatch(errors, text, code, settings))) {
    return settings.tls
      ? { kind: 'protocol', line: `the broker does not speak TLS on this port (${where}): check --security-protocol (PLAINTEXT or SASL_PLAINTEXT?) and the port of the listener` }
      : { kind: 'protocol', line: `the broker wants TLS on this port (${where}): check --security-protocol (SSL or SASL_SSL?) and --sasl-mechanism` };
  }
  return { kind: 'transient', line: text };
}

/** A closed or reset connection before any answer, and the listener speaks the other protocol. */
async function protocolMismatch(errors: Error[], text: string, code: string | undefined, settings: ConnectionSettings): Promise<boolean> {
  const broker = settings.brokers[0];
  if (settings.tls) {
    // The server sent plaintext bytes where a TLS record was due: conclusive on its own.
    if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number|packet length too long/i.test(text)) return true;
    if (!/before secure TLS connection was established|ECONNRESET|socket hang up/i.test(text)) return false;
    return speaksPlaintextKafka(broker);
  }
  if (!errors.some((e) => e.name === 'KafkaJSConnectionClosedError')) return false;
  return speaksTls(broker);
}
