import { describeSecurity, type ConnectionSettings } from './connection-settings.js';

/**
 * What a failure to connect means for the processor:
 * - `credentials`: the cluster refused the login; retrying cannot fix it;
 * - `certificate`: TLS verification failed (ours of the broker, or the broker's of our
 *   client certificate); retrying cannot fix it either;
 * - `protocol`: the client and the listener speak different protocols (plaintext to TLS, or
 *   the reverse); fatal once this process never got an answer from the cluster;
 * - `transient`: anything else (a broker down, a network error): retried with backoff.
 */
export type ConnectionFailureKind = 'credentials' | 'certificate' | 'protocol' | 'transient';

export interface ConnectionFailure {
  readonly kind: ConnectionFailureKind;
  /** One line: what went wrong, with which broker, protocol and mechanism, and what to check. */
  readonly line: string;
}

/** Exit code of a process that stops because retrying cannot help (credentials, certificates, protocol). */
export const EXIT_CONNECTION_REFUSED = 3;

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

/** The chain of errors kafkajs wraps (retries exceeded → connection error → socket error). */
function chain(error: unknown): Error[] {
  const out: Error[] = [];
  let e: unknown = error;
  while (e instanceof Error && out.length < 5) {
    out.push(e);
    e = (e as { cause?: unknown }).cause ?? (e as { originalError?: unknown }).originalError;
  }
  return out;
}

export function classifyConnectionFailure(error: unknown, settings: ConnectionSettings, everAnswered: boolean): ConnectionFailure {
  const errors = chain(error);
  const where = `brokers ${settings.brokers.join(',')} over ${describeSecurity(settings)}`;
  const text = errors.map((e) => e.message).join(' | ');
  const code = errors.map((e) => (e as { code?: string }).code).find((c) => typeof c === 'string');
  if (errors.some((e) => e.name === 'KafkaJSSASLAuthenticationError')) {
    const detail = errors.find((e) => e.name === 'KafkaJSSASLAuthenticationError')!.message;
    return {
      kind: 'credentials',
      line: `the cluster refused the login (${detail}; ${where}): check --sasl-username and the password, and that --sasl-mechanism is one the cluster enables`,
    };
  }
  if (code && CERTIFICATE_CODES.has(code)) {
    return {
      kind: 'certificate',
      line: `the broker's TLS certificate is not trusted (${code}; ${where}): give the CA that signed it with --ssl-ca (or ssl.ca.location), and connect by the name or address it was issued for`,
    };
  }
  if (code && /^ERR_SSL_(SSLV3|TLSV1[0-3]?)_ALERT_(BAD_CERTIFICATE|CERTIFICATE_REQUIRED|UNKNOWN_CA|CERTIFICATE_UNKNOWN|HANDSHAKE_FAILURE|ACCESS_DENIED)$/.test(code)) {
    return {
      kind: 'certificate',
      line: `the broker refused this client's TLS certificate (${code}; ${where}): the listener wants a client certificate its CA signed: check --ssl-cert and --ssl-key`,
    };
  }
  if (!everAnswered) {
    if (settings.tls && (/before secure TLS connection was established|wrong version number|WRONG_VERSION_NUMBER|packet length too long/i.test(text) || code === 'ERR_SSL_WRONG_VERSION_NUMBER')) {
      return {
        kind: 'protocol',
        line: `the broker does not speak TLS on this port (${where}): check --security-protocol (PLAINTEXT or SASL_PLAINTEXT?) and the port of the listener`,
      };
    }
    if (!settings.tls && errors.some((e) => e.name === 'KafkaJSConnectionClosedError')) {
      return {
        kind: 'protocol',
        line: `the broker closed the connection before answering (${where}): this listener probably wants TLS or SASL: check --security-protocol and --sasl-mechanism`,
      };
    }
  }
  return { kind: 'transient', line: text };
}
