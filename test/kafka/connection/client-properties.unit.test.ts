import { describe, expect, it } from 'vitest';
import { parseProperties } from '../../../src/kafka/connection/client-properties.js';
import { parseJaasConfig } from '../../../src/kafka/connection/jaas-config.js';

describe('parseProperties (Java .properties)', () => {
  it('reads the separators, comments, continuations and escapes of java.util.Properties', () => {
    const text = [
      '# Confluent Cloud client.properties',
      '! also a comment',
      'bootstrap.servers=pkc-1.region.aws.confluent.cloud:9092',
      'security.protocol = SASL_SSL',
      'sasl.mechanisms:PLAIN',
      'client.id   my client',
      '   session.timeout.ms=45000',
      'sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required \\',
      '    username="KEY" password="SE\\\\CRET";',
      'path=C:\\\\certs\\\\ca.pem',
      'unicode=caf\\u00e9',
      'key\\=with\\:seps=v',
      'empty=',
      'ends.with.even.backslashes=a\\\\\\\\',
      'next=1',
      'dup=first',
      'dup=second',
    ].join('\r\n');
    const p = parseProperties(text);
    expect(Object.fromEntries(p)).toEqual({
      'bootstrap.servers': 'pkc-1.region.aws.confluent.cloud:9092',
      'security.protocol': 'SASL_SSL',
      'sasl.mechanisms': 'PLAIN',
      'client.id': 'my client',
      'session.timeout.ms': '45000',
      'sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required username="KEY" password="SE\\CRET";',
      path: 'C:\\certs\\ca.pem',
      unicode: 'café',
      'key=with:seps': 'v',
      empty: '',
      'ends.with.even.backslashes': 'a\\\\',
      next: '1',
      dup: 'second',
    });
  });
});

describe('parseJaasConfig', () => {
  it('reads PlainLoginModule and ScramLoginModule lines, with quotes escaped or bare values', () => {
    expect(parseJaasConfig('org.apache.kafka.common.security.plain.PlainLoginModule required username="KEY" password="a \\"quoted\\" secret";')).toEqual({
      module: 'plain',
      username: 'KEY',
      password: 'a "quoted" secret',
    });
    expect(parseJaasConfig('org.apache.kafka.common.security.scram.ScramLoginModule required username=alice password="p;w";')).toEqual({
      module: 'scram',
      username: 'alice',
      password: 'p;w',
    });
  });

  it('refuses other modules and lines without both credentials', () => {
    expect(parseJaasConfig('org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;')).toBeNull();
    expect(parseJaasConfig('org.apache.kafka.common.security.plain.PlainLoginModule required username="x";')).toBeNull();
    expect(parseJaasConfig('not a jaas line')).toBeNull();
  });
});
