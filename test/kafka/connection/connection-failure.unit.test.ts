import { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError, KafkaJSSASLAuthenticationError as SaslError } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { classifyConnectionFailure } from '../../../src/kafka/connection/connection-failure.js';
import type { ConnectionSettings } from '../../../src/kafka/connection/connection-settings.js';
import { Secret } from '../../../src/log/secrets.js';

/** Nothing listens on port 1: the probes of a suspected protocol mismatch find no listener. */
const saslSsl: ConnectionSettings = {
  brokers: ['127.0.0.1:1'],
  clientId: 'c',
  securityProtocol: 'SASL_SSL',
  sasl: { mechanism: 'SCRAM-SHA-512', username: 'alice', password: new Secret('never-shown-1') },
  tls: { caFile: '/ca.pem', certFile: null, keyFile: null, keyPassword: null, skipVerify: false },
};
const plaintext: ConnectionSettings = { brokers: ['127.0.0.1:1'], clientId: 'c', securityProtocol: 'PLAINTEXT', sasl: null, tls: null };
/** kafkajs's SASL error (its types give the constructor no message). */
const KafkaJSSASLAuthenticationError = SaslError as unknown as new (message: string) => Error;
/** What kafkajs throws when the broker closes the socket (not in its type declarations). */
const connectionClosed = (): Error => Object.assign(new KafkaJSConnectionError('Closed connection'), { name: 'KafkaJSConnectionClosedError' });
/** As kafkajs wraps a socket error: retries exceeded, around a connection error, around the socket's. */
const wrapped = (message: string, code?: string) =>
  new KafkaJSNumberOfRetriesExceeded(new KafkaJSConnectionError(`Connection error: ${message}`, { broker: '127.0.0.1:1', code } as never), { retryCount: 5, retryTime: 100 } as never);

describe('classifyConnectionFailure', () => {
  it('the broker refusing the login is about credentials, and names brokers, protocol, mechanism and user, never the password', async () => {
    const f = await classifyConnectionFailure(
      new KafkaJSSASLAuthenticationError('SASL SCRAM SHA512 authentication failed: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512'),
      saslSsl,
      false,
    );
    expect(f.kind).toBe('credentials');
    expect(f.line).toMatch(/^the cluster refused the login \(SASL SCRAM SHA512 authentication failed: .*; brokers 127.0.0.1:1 over SASL_SSL SCRAM-SHA-512 as 'alice', CA \/ca.pem\): check --sasl-username/);
    expect(f.line).not.toContain('never-shown-1');
  });

  it('a connection lost inside the SASL exchange is transient, whatever kafkajs calls it', async () => {
    for (const message of ['SASL PLAIN authentication failed: Connection closed', 'SASL SCRAM SHA512 authentication failed: Request SaslAuthenticate(key: 36, version: 1) timed out']) {
      expect((await classifyConnectionFailure(new KafkaJSSASLAuthenticationError(message), saslSsl, true)).kind).toBe('transient');
    }
  });

  it('a missing ACL is about authorization, with what to grant', async () => {
    const f = await classifyConnectionFailure(new KafkaJSProtocolError({ type: 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED', code: 53, retriable: false, message: 'Transactional Id authorization failed' } as never), saslSsl, true);
    expect([f.kind, /grant this user WRITE and DESCRIBE on the TransactionalId/.test(f.line)]).toEqual(['authorization', true]);
  });

  it('certificate problems on either side', async () => {
    expect((await classifyConnectionFailure(wrapped('self-signed certificate in certificate chain', 'SELF_SIGNED_CERT_IN_CHAIN'), saslSsl, false)).kind).toBe('certificate');
    expect((await classifyConnectionFailure(wrapped('Hostname/IP does not match', 'ERR_TLS_CERT_ALTNAME_INVALID'), saslSsl, true)).kind).toBe('certificate');
    const refused = await classifyConnectionFailure(wrapped('sslv3 alert bad certificate', 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE'), saslSsl, false);
    expect([refused.kind, /check --ssl-cert and --ssl-key/.test(refused.line)]).toEqual(['certificate', true]);
    // Node 24's OpenSSL 3.5 spells the same alert differently.
    const refused24 = await classifyConnectionFailure(wrapped('ssl/tls alert bad certificate', 'ERR_SSL_SSL/TLS_ALERT_BAD_CERTIFICATE'), saslSsl, false);
    expect([refused24.kind, /check --ssl-cert and --ssl-key/.test(refused24.line)]).toEqual(['certificate', true]);
  });

  it('a closed or reset connection is a protocol mismatch only when the listener speaks the other protocol', async () => {
    // Plaintext bytes where a TLS record was due: conclusive on its own.
    expect((await classifyConnectionFailure(wrapped('wrong version number', 'ERR_SSL_WRONG_VERSION_NUMBER'), saslSsl, false)).kind).toBe('protocol');
    // A reset or a close with nothing behind the port (a broker starting, a proxy): transient.
    const reset = wrapped('Client network socket disconnected before secure TLS connection was established', 'ECONNRESET');
    expect((await classifyConnectionFailure(reset, saslSsl, false)).kind).toBe('transient');
    const closed = new KafkaJSNumberOfRetriesExceeded(connectionClosed(), { retryCount: 5, retryTime: 100 } as never);
    expect((await classifyConnectionFailure(closed, plaintext, false)).kind).toBe('transient');
    // Once the cluster answered, never a mismatch.
    expect((await classifyConnectionFailure(wrapped('wrong version number', 'ERR_SSL_WRONG_VERSION_NUMBER'), saslSsl, true)).kind).toBe('transient');
  });

  it('a broker that is down is transient', async () => {
    expect((await classifyConnectionFailure(wrapped('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED'), plaintext, false)).kind).toBe('transient');
  });
});
