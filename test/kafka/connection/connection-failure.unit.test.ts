import { KafkaJSConnectionClosedError, KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded, KafkaJSSASLAuthenticationError } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { classifyConnectionFailure } from '../../../src/kafka/connection/connection-failure.js';
import type { ConnectionSettings } from '../../../src/kafka/connection/connection-settings.js';
import { Secret } from '../../../src/log/secrets.js';

const saslSsl: ConnectionSettings = {
  brokers: ['k1:9094'],
  clientId: 'c',
  securityProtocol: 'SASL_SSL',
  sasl: { mechanism: 'SCRAM-SHA-512', username: 'alice', password: new Secret('never-shown-1') },
  tls: { caFile: '/ca.pem', certFile: null, keyFile: null, keyPassword: null, skipVerify: false },
};
const plaintext: ConnectionSettings = { brokers: ['k1:9094'], clientId: 'c', securityProtocol: 'PLAINTEXT', sasl: null, tls: null };
/** As kafkajs wraps a socket error: retries exceeded, around a connection error, around the socket's. */
const wrapped = (message: string, code?: string) =>
  new KafkaJSNumberOfRetriesExceeded(new KafkaJSConnectionError(`Connection error: ${message}`, { broker: 'k1:9094', code } as never), { retryCount: 5, retryTime: 100 } as never);

describe('classifyConnectionFailure', () => {
  it('a refused login is about credentials, and names brokers, protocol, mechanism and user, never the password', () => {
    const f = classifyConnectionFailure(new KafkaJSSASLAuthenticationError('SASL SCRAM SHA512 authentication failed: invalid credentials'), saslSsl, false);
    expect(f.kind).toBe('credentials');
    expect(f.line).toMatch(/^the cluster refused the login \(SASL SCRAM SHA512 authentication failed: invalid credentials; brokers k1:9094 over SASL_SSL SCRAM-SHA-512 as 'alice', CA \/ca.pem\): check --sasl-username/);
    expect(f.line).not.toContain('never-shown-1');
  });

  it('certificate problems on either side', () => {
    expect(classifyConnectionFailure(wrapped('self-signed certificate in certificate chain', 'SELF_SIGNED_CERT_IN_CHAIN'), saslSsl, false).kind).toBe('certificate');
    expect(classifyConnectionFailure(wrapped('Hostname/IP does not match', 'ERR_TLS_CERT_ALTNAME_INVALID'), saslSsl, true).kind).toBe('certificate');
    const refused = classifyConnectionFailure(wrapped('sslv3 alert bad certificate', 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE'), saslSsl, false);
    expect([refused.kind, /check --ssl-cert and --ssl-key/.test(refused.line)]).toEqual(['certificate', true]);
  });

  it('a protocol mismatch only before the cluster ever answered; after that a closed connection is transient', () => {
    const tlsToPlain = wrapped('Client network socket disconnected before secure TLS connection was established', 'ECONNRESET');
    expect(classifyConnectionFailure(tlsToPlain, saslSsl, false).kind).toBe('protocol');
    const closed = new KafkaJSNumberOfRetriesExceeded(new KafkaJSConnectionClosedError('Closed connection', { host: 'k1', port: 9094 }), { retryCount: 5, retryTime: 100 } as never);
    expect(classifyConnectionFailure(closed, plaintext, false).kind).toBe('protocol');
    expect(classifyConnectionFailure(closed, plaintext, true).kind).toBe('transient');
    expect(classifyConnectionFailure(closed, saslSsl, false).kind).toBe('transient');
  });

  it('a broker that is down is transient', () => {
    expect(classifyConnectionFailure(wrapped('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED'), plaintext, false).kind).toBe('transient');
  });
});
