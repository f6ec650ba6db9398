import { readFileSync } from 'node:fs';
import type { ConnectionSettings } from '../kafka/connection/connection-settings.js';
import { describeSecurity, SASL_MECHANISMS, SECURITY_PROTOCOLS } from '../kafka/connection/connection-settings.js';
import { parseProperties } from '../kafka/connection/client-properties.js';
import { kafkajsSecurity } from '../kafka/connection/kafkajs-security.js';
import { ConnectionConfigError, optionsFromProperties, resolveConnection, type ConnectionOptions } from '../kafka/connection/resolve-connection.js';
import type { Logger } from '../log/logger.js';
import { CliError } from './cli-error.js';
import type { OptionSpec, OptionValue } from './option-spec.js';

/** How every command that connects reaches the cluster: brokers, TLS, SASL, or a client properties file. */
export const CONNECTION_SPECS = [
  { name: 'brokers', kind: 'string', env: 'KAFKA_BROKERS', valueName: 'HOST:PORT,...', description: 'Kafka bootstrap servers; without them (or --kafka-config), the embedded default runs (a local broker and a demo stream)' },
  { name: 'kafka-config', kind: 'string', env: 'ONLINE_EM_KAFKA_CONFIG', valueName: 'FILE', description: 'a Java/librdkafka client properties file (bootstrap.servers, security.protocol, sasl.*, ssl.*); flags and environment win over it' },
  { name: 'client-id', kind: 'string', env: 'KAFKA_CLIENT_ID', description: 'Kafka client id (default online-em)' },
  { name: 'security-protocol', kind: 'choice', choices: SECURITY_PROTOCOLS, env: 'KAFKA_SECURITY_PROTOCOL', description: 'how to connect (default PLAINTEXT)' },
  { name: 'sasl-mechanism', kind: 'string', env: 'KAFKA_SASL_MECHANISM', valueName: SASL_MECHANISMS.join('|'), description: 'SASL mechanism (any case)' },
  { name: 'sasl-username', kind: 'string', env: 'KAFKA_SASL_USERNAME', valueName: 'NAME', description: 'SASL user (PLAIN, SCRAM); an API key on Confluent Cloud' },
  { name: 'sasl-password', kind: 'string', env: 'KAFKA_SASL_PASSWORD', valueName: 'SECRET', description: 'SASL password; prefer the environment or --sasl-password-file (a flag shows in ps)' },
  { name: 'sasl-password-file', kind: 'string', valueName: 'FILE', description: 'read the SASL password from FILE (a mounted secret; a final newline is dropped)' },
  { name: 'sasl-oauth-token-file', kind: 'string', valueName: 'FILE', description: 'OAUTHBEARER: the token, read again at every authentication (rotating projected tokens)' },
  { name: 'ssl-ca', kind: 'string', env: 'KAFKA_SSL_CA', valueName: 'FILE', description: 'PEM file of the CA(s) that signed the brokers\' certificates (default: the system\'s)' },
  { name: 'ssl-cert', kind: 'string', env: 'KAFKA_SSL_CERT', valueName: 'FILE', description: 'PEM client certificate, for mTLS' },
  { name: 'ssl-key', kind: 'string', env: 'KAFKA_SSL_KEY', valueName: 'FILE', description: 'PEM private key of the client certificate' },
  { name: 'ssl-key-password', kind: 'string', env: 'KAFKA_SSL_KEY_PASSWORD', valueName: 'SECRET', description: 'passphrase of an encrypted --ssl-key' },
  { name: 'ssl-skip-verify', kind: 'flag', description: 'accept any broker certificate (insecure: for tests only; warned at every start)' },
  { name: 'log-level', kind: 'choice', choices: ['debug', 'info', 'warn', 'error'], default: 'info', env: 'ONLINE_EM_LOG_LEVEL', description: 'log level (debug shows the Kafka client\'s own log)' },
  { name: 'log-format', kind: 'choice', choices: ['text', 'json'], default: 'text', env: 'ONLINE_EM_LOG_FORMAT', description: 'log lines as text or one JSON object each' },
] as const satisfies readonly OptionSpec[];

/** The options that only mean something for a cluster named by --brokers or --kafka-config. */
const SECURITY_OPTIONS = ['security-protocol', 'sasl-mechanism', 'sasl-username', 'sasl-password', 'sasl-password-file', 'sasl-oauth-token-file', 'ssl-ca', 'ssl-cert', 'ssl-key', 'ssl-key-password', 'ssl-skip-verify'] as const;

/** Whether the values name a cluster (--brokers or KAFKA_BROKERS, or --kafka-config): otherwise the embedded default runs. */
export function namesCluster(values: Readonly<Record<string, OptionValue>>): boolean {
  return textValue(values, 'brokers') !== undefined || textValue(values, 'kafka-config') !== undefined;
}

function textValue(values: Readonly<Record<string, OptionValue>>, name: string): string | undefined {
  return values[name] === null || values[name] === undefined ? undefined : String(values[name]);
}

/**
 * The connection from the parsed values: flags (then environment variables) over the
 * --kafka-config file. Null when neither brokers nor a file were given (the embedded
 * default). Warns of unknown file keys, and of --ssl-skip-verify, at every start.
 */
export function connectionFrom(values: Readonly<Record<string, OptionValue>>, logger: Logger): ConnectionSettings | null {
  const text = (name: string): string | undefined => textValue(values, name);
  const configFile = text('kafka-config');
  if (!namesCluster(values)) {
    const security = SECURITY_OPTIONS.find((name) => values[name] !== null && values[name] !== undefined && values[name] !== false);
    if (security) throw new CliError(`--${security} needs --brokers (or KAFKA_BROKERS, or --kafka-config): the embedded default's local broker is plaintext`);
    return null;
  }
  let fromFile: ConnectionOptions = {};
  if (configFile !== undefined) {
    let properties: Map<string, string>;
    try {
      properties = parseProperties(readFileSync(configFile, 'utf8'));
    } catch (error) {
      throw new CliError(`cannot read --kafka-config ${configFile}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    const read = wrap(() => optionsFromProperties(properties, configFile));
    fromFile = read.options;
    if (read.unknownKeys.length > 0) logger.warn(`--kafka-config ${configFile}: ignoring keys online-em does not use: ${read.unknownKeys.join(', ')}`);
  }
  const given: ConnectionOptions = {
    brokers: text('brokers'),
    clientId: text('client-id'),
    securityProtocol: text('security-protocol'),
    saslMechanism: text('sasl-mechanism'),
    saslUsername: text('sasl-username'),
    saslPassword: text('sasl-password'),
    saslPasswordFile: text('sasl-password-file'),
    saslOauthTokenFile: text('sasl-oauth-token-file'),
    sslCa: text('ssl-ca'),
    sslCert: text('ssl-cert'),
    sslKey: text('ssl-key'),
    sslKeyPassword: text('ssl-key-password'),
    ...(values['ssl-skip-verify'] === true ? { sslSkipVerify: true } : {}),
  };
  const settings = wrap(() => resolveConnection(given, fromFile, (path) => readFileSync(path, 'utf8')));
  // Read the PEM files now: a missing one is a usage error, not a session to retry.
  wrap(() => kafkajsSecurity(settings));
  if (settings.tls?.skipVerify) logger.warn('--ssl-skip-verify: the brokers\' certificates are NOT verified; anyone on the network path can read and change the traffic');
  if (settings.securityProtocol !== 'PLAINTEXT') logger.info(`connecting to ${settings.brokers.join(',')} over ${describeSecurity(settings)}`);
  return settings;
}

function wrap<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof ConnectionConfigError) throw new CliError(error.message);
    throw error;
  }
}
