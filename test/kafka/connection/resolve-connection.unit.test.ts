import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { kafkajsSecurity } from '../../../src/kafka/connection/kafkajs-security.js';
import { ConnectionConfigError, optionsFromProperties, resolveConnection } from '../../../src/kafka/connection/resolve-connection.js';
import { parseProperties } from '../../../src/kafka/connection/client-properties.js';
import { redactSecrets } from '../../../src/log/secrets.js';

const noFiles = (path: string): string => {
  throw Object.assign(new Error(`no ${path}`), { code: 'ENOENT' });
};
const files = (map: Record<string, string>) => (path: string): string => {
  if (!(path in map)) return noFiles(path);
  return map[path];
};
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('resolveConnection', () => {
  it('plaintext by default', () => {
    expect(resolveConnection({ brokers: 'a:9092,b:9093' }, {}, noFiles)).toEqual({
      brokers: ['a:9092', 'b:9093'],
      clientId: 'online-em',
      securityProtocol: 'PLAINTEXT',
      sasl: null,
      tls: null,
    });
  });

  it('flags and environment win over the file, key by key; mechanisms in any case', () => {
    const { options, unknownKeys } = optionsFromProperties(
      parseProperties('bootstrap.servers=file:9092\nsecurity.protocol=SASL_SSL\nsasl.mechanism=plain\nsasl.username=from-file\nsasl.password=file-secret\nacks=all\nsession.timeout.ms=45000\n'),
      'client.properties',
    );
    expect(unknownKeys).toEqual(['acks', 'session.timeout.ms']);
    const s = resolveConnection({ saslUsername: 'from-flag', saslMechanism: 'scram-sha-512' }, options, noFiles);
    expect(s.brokers).toEqual(['file:9092']);
    expect(s.securityProtocol).toBe('SASL_SSL');
    expect(s.sasl).toMatchObject({ mechanism: 'SCRAM-SHA-512', username: 'from-flag' });
    expect(s.sasl && 'password' in s.sasl && s.sasl.password.reveal()).toBe('file-secret');
    expect(s.tls).toEqual({ caFile: null, certFile: null, keyFile: null, keyPassword: null, skipVerify: false });
  });

  it('takes the credentials of sasl.jaas.config, and the password from a mounted file without its newline', () => {
    const { options } = optionsFromProperties(
      parseProperties('security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-256\nsasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="u" password="jaas-secret";'),
      'f',
    );
    const fromJaas = resolveConnection({ brokers: 'k:1' }, options, noFiles);
    expect(fromJaas.sasl && 'password' in fromJaas.sasl && [fromJaas.sasl.username, fromJaas.sasl.password.reveal()]).toEqual(['u', 'jaas-secret']);
    const fromFile = resolveConnection({ brokers: 'k:1', saslPasswordFile: '/run/secrets/pw' }, options, files({ '/run/secrets/pw': 'mounted-secret\n' }));
    expect(fromFile.sasl && 'password' in fromFile.sasl && fromFile.sasl.password.reveal()).toBe('mounted-secret');
  });

  it.each([
    [{ brokers: 'k:1', securityProtocol: 'TLS' }, /--security-protocol must be one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL \(got 'TLS'\)/],
    [{ brokers: 'k:1', securityProtocol: 'SASL_SSL' }, /needs --sasl-mechanism/],
    [{ brokers: 'k:1', securityProtocol: 'SASL_SSL', saslMechanism: 'DIGEST-MD5' }, /--sasl-mechanism must be one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER/],
    [{ brokers: 'k:1', securityProtocol: 'SASL_SSL', saslMechanism: 'PLAIN', saslUsername: 'u' }, /needs --sasl-password, KAFKA_SASL_PASSWORD or --sasl-password-file/],
    [{ brokers: 'k:1', securityProtocol: 'SASL_SSL', saslMechanism: 'OAUTHBEARER' }, /needs --sasl-oauth-token-file/],
    [{ brokers: 'k:1', saslMechanism: 'PLAIN', saslUsername: 'u' }, /SASL options were given, but --security-protocol is PLAINTEXT/],
    [{ brokers: 'k:1', sslCa: '/ca.pem' }, /TLS options were given, but --security-protocol is PLAINTEXT/],
    [{ brokers: 'k:1', securityProtocol: 'SSL', sslCert: '/c.pem' }, /--ssl-cert and --ssl-key go together/],
    [{ brokers: 'k:1', securityProtocol: 'SASL_SSL', saslMechanism: 'PLAIN', saslUsername: 'u', saslPasswordFile: '/missing' }, /cannot read --sasl-password-file \/missing: ENOENT/],
    [{}, /no brokers/],
    [{ brokers: 'k:1', securityProtocol: 'SASL_SSL', saslMechanism: 'gssapi' }, /GSSAPI \(Kerberos\) is not supported by this client: use SCRAM-SHA-512/],
  ])('refuses %o in one line', (given, message) => {
    expect(() => resolveConnection(given, {}, noFiles)).toThrow(ConnectionConfigError);
    expect(() => resolveConnection(given, {}, noFiles)).toThrow(message);
  });

  it.each([
    ['user:secret@host:9092', "'user:***@host:9092'"],
    ['SASL_SSL://user:secret@host:9092', "'SASL_SSL://user:***@host:9092'"],
    ['good:9092, user:secret@host:9092', "'user:***@host:9092'"],
    // A comma in the password: the list is looked at whole, so no piece of it is echoed.
    ['user:se,cret@host:9092', "'***@host:9092'"],
    ['user:p@ss@host:9092', "'user:***@host:9092'"],
    ['alice@host:9092', "'***@host:9092'"],
  ])('refuses brokers with credentials (%s) in one line that never echoes them', (brokers, shown) => {
    // Refused before any other check (here: SASL_SSL without a mechanism).
    for (const given of [{ brokers }, { brokers, securityProtocol: 'SASL_SSL' }]) {
      let message = '';
      try {
        resolveConnection(given, {}, noFiles);
      } catch (error) {
        expect(error).toBeInstanceOf(ConnectionConfigError);
        message = (error as Error).message;
      }
      expect(message).toBe(
        `--brokers must be HOST:PORT[,HOST:PORT...] without credentials (got ${shown}): ` +
          'give the user with --sasl-username and the password with --sasl-password, KAFKA_SASL_PASSWORD or --sasl-password-file',
      );
      expect(message).not.toMatch(/secret|se,cret|p@ss|alice/);
    }
  });

  it('refuses bootstrap.servers with credentials, naming the file\'s own keys for them', () => {
    const { options } = optionsFromProperties(parseProperties('bootstrap.servers=user:secret@host:9092'), 'client.properties');
    expect(() => resolveConnection({}, options, noFiles)).toThrow(
      "bootstrap.servers (--kafka-config) must be HOST:PORT[,HOST:PORT...] without credentials (got 'user:***@host:9092'): " +
        'give them as sasl.username and sasl.password (or sasl.jaas.config) in the file, or with --sasl-username and --sasl-password-file',
    );
  });

  it('never lets a secret out through String, JSON or inspect, and the log scrubs it anyway', () => {
    const s = resolveConnection({ brokers: 'k:1', securityProtocol: 'SASL_SSL', saslMechanism: 'PLAIN', saslUsername: 'u', saslPassword: 'Top"Secret\\42', sslKeyPassword: 'key-pass-99' }, {}, noFiles);
    for (const text of [String(s.sasl && 'password' in s.sasl ? s.sasl.password : ''), JSON.stringify(s), inspect(s, { depth: 5 }), `${JSON.stringify({ s })}`]) {
      expect(text).not.toContain('Top"Secret');
      expect(text).not.toContain('key-pass-99');
    }
    expect(redactSecrets('login Top"Secret\\42 failed')).toBe('login [redacted] failed');
    expect(redactSecrets(JSON.stringify({ m: 'login Top"Secret\\42 failed' }))).toBe(JSON.stringify({ m: 'login [redacted] failed' }));
  });

  it.each([
    ['ssl.truststore.location=/etc/kafka/truststore.jks', /client.properties: ssl.truststore.location: Java truststores \(JKS\/PKCS12\) are not read: convert it to PEM .* and give ssl.ca.location/],
    ['ssl.keystore.location=/etc/kafka/keystore.p12', /ssl.keystore.location: Java keystores .* give ssl.certificate.location and ssl.key.location/],
    ['sasl.kerberos.service.name=kafka', /GSSAPI \(Kerberos\) is not supported/],
    ['sasl.jaas.config=com.sun.security.auth.module.Krb5LoginModule required;', /sasl.jaas.config is not a PlainLoginModule or ScramLoginModule line/],
  ])('a file key it cannot honour is an error that says what to do instead: %s', (line, message) => {
    expect(() => optionsFromProperties(parseProperties(line), 'client.properties')).toThrow(message);
  });
});

describe('kafkajsSecurity', () => {
  it('gives kafkajs the PEM files, the verification and the SASL login', () => {
    const s = resolveConnection(
      { brokers: 'k:1', securityProtocol: 'SASL_SSL', saslMechanism: 'SCRAM-SHA-512', saslUsername: 'u', saslPassword: 'pw-1234', sslCa: '/ca.pem', sslCert: '/c.pem', sslKey: '/k.pem', sslKeyPassword: 'kp-1234' },
      {},
      noFiles,
    );
    const k = kafkajsSecurity(s, files({ '/ca.pem': PEM, '/c.pem': PEM, '/k.pem': PEM }));
    expect(k).toEqual({
      ssl: { ca: [PEM], cert: PEM, key: PEM, passphrase: 'kp-1234', rejectUnauthorized: true },
      sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'pw-1234' },
    });
  });

  it('reads an OAUTHBEARER token file at every authentication', async () => {
    let token = 'token-one';
    const s = resolveConnection({ brokers: 'k:1', securityProtocol: 'SASL_SSL', saslMechanism: 'oauthbearer', saslOauthTokenFile: '/t' }, {}, noFiles);
    const k = kafkajsSecurity(s, (p) => (p === '/t' ? `${token}\n` : noFiles(p)));
    const provider = (k.sasl as { oauthBearerProvider: () => Promise<{ value: string }> }).oauthBearerProvider;
    expect(await provider()).toEqual({ value: 'token-one' });
    token = 'token-two';
    expect(await provider()).toEqual({ value: 'token-two' });
  });

  it('says which file it cannot read, or which is not PEM', () => {
    const s = resolveConnection({ brokers: 'k:1', securityProtocol: 'SSL', sslCa: '/ca.pem' }, {}, noFiles);
    expect(() => kafkajsSecurity(s, noFiles)).toThrow('cannot read --ssl-ca /ca.pem: ENOENT');
    expect(() => kafkajsSecurity(s, files({ '/ca.pem': 'garbage' }))).toThrow('--ssl-ca /ca.pem is not a PEM file');
  });
});
