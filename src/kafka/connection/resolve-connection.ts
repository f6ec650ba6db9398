import { hideBrokerCredentials, MIN_SECRET_LENGTH, Secret } from '../../log/secrets.js';
import { parseJaasConfig } from './jaas-config.js';
import {
  SASL_MECHANISMS,
  SECURITY_PROTOCOLS,
  usesSasl,
  usesTls,
  type ConnectionSettings,
  type SaslMechanism,
  type SecurityProtocol,
} from './connection-settings.js';

/** The connection options as given, each still text (flags and env merged, or from a file). */
export interface ConnectionOptions {
  readonly brokers?: string;
  readonly clientId?: string;
  readonly securityProtocol?: string;
  readonly saslMechanism?: string;
  readonly saslUsername?: string;
  readonly saslPassword?: string;
  /** Read at start-up (a mounted secret). */
  readonly saslPasswordFile?: string;
  readonly saslOauthTokenFile?: string;
  readonly sslCa?: string;
  readonly sslCert?: string;
  readonly sslKey?: string;
  readonly sslKeyPassword?: string;
  readonly sslSkipVerify?: boolean;
}

/** A connection option that cannot work: what is wrong and what to do, in one line. */
export class ConnectionConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConnectionConfigError';
  }
}

/** client.properties keys and the option each stands for. */
const PROPERTY_KEYS: Readonly<Record<string, keyof ConnectionOptions>> = {
  'bootstrap.servers': 'brokers',
  'client.id': 'clientId',
  'security.protocol': 'securityProtocol',
  'sasl.mechanism': 'saslMechanism',
  'sasl.mechanisms': 'saslMechanism',
  'sasl.username': 'saslUsername',
  'sasl.password': 'saslPassword',
  'ssl.ca.location': 'sslCa',
  'ssl.certificate.location': 'sslCert',
  'ssl.key.location': 'sslKey',
  'ssl.key.password': 'sslKeyPassword',
};

/** Keys a client properties file may carry that this client cannot honour, and what to do instead. */
const UNSUPPORTED_KEYS: Readonly<Record<string, string>> = {
  'ssl.truststore.location':
    'Java truststores (JKS/PKCS12) are not read: convert it to PEM (keytool -exportcert -rfc -keystore FILE -alias ALIAS > ca.pem, or openssl pkcs12 -in FILE -nokeys -out ca.pem) and give ssl.ca.location',
  'ssl.keystore.location':
    'Java keystores (JKS/PKCS12) are not read: convert it to PEM (keytool -importkeystore -srckeystore FILE -destkeystore client.p12 -deststoretype PKCS12, then openssl pkcs12 -in client.p12 -nodes -out client.pem) and give ssl.certificate.location and ssl.key.location',
  'sasl.kerberos.service.name': 'GSSAPI (Kerberos) is not supported by this client: use SCRAM-SHA-512, PLAIN over SASL_SSL, or OAUTHBEARER',
};

/**
 * The options a client properties file gives, and the keys it does not know (to be listed
 * in one warning, never dropped silently). `sasl.jaas.config` supplies username and
 * password when `sasl.username`/`sasl.password` do not.
 */
export function optionsFromProperties(properties: ReadonlyMap<string, string>, source: string): { options: ConnectionOptions; unknownKeys: string[] } {
  const options: Record<string, string> = {};
  const unknownKeys: string[] = [];
  for (const [key, value] of properties) {
    const option = PROPERTY_KEYS[key];
    if (UNSUPPORTED_KEYS[key]) throw new ConnectionConfigError(`${source}: ${key}: ${UNSUPPORTED_KEYS[key]}`);
    if (option) options[option] = value.trim();
    else if (key !== 'sasl.jaas.config') unknownKeys.push(key);
  }
  const jaas = properties.get('sasl.jaas.config');
  if (jaas !== undefined) {
    const login = parseJaasConfig(jaas);
    if (!login) {
      throw new ConnectionConfigError(`${source}: sasl.jaas.config is not a PlainLoginModule or ScramLoginModule line with username="..." password="..."`);
    }
    options.saslUsername ??= login.username;
    options.saslPassword ??= login.password;
  }
  return { options, unknownKeys };
}

/**
 * Validated settings from the options, `given` (flags, then environment) over `file`
 * (a client properties file). `readFile` reads a password file.
 */
export function resolveConnection(given: ConnectionOptions, file: ConnectionOptions, readFile: (path: string) => string): ConnectionSettings {
  const o: ConnectionOptions = { ...file, ...definedOnly(given) };
  if (!o.brokers) throw new ConnectionConfigError('no brokers: give --brokers (or KAFKA_BROKERS, or bootstrap.servers in --kafka-config)');
  // First: a broker list with a password in it must be refused before anything could echo it.
  const brokers = parseBrokerList(o.brokers, given.brokers !== undefined ? BROKERS_FLAG : BOOTSTRAP_SERVERS);
  const protocol = choice<SecurityProtocol>('--security-protocol', o.securityProtocol ?? 'PLAINTEXT', SECURITY_PROTOCOLS);
  let sasl: ConnectionSettings['sasl'] = null;
  if (usesSasl(protocol)) {
    if (!o.saslMechanism) throw new ConnectionConfigError(`--security-protocol ${protocol} needs --sasl-mechanism (${SASL_MECHANISMS.join(', ')})`);
    if (o.saslMechanism.toUpperCase() === 'GSSAPI') {
      throw new ConnectionConfigError('--sasl-mechanism GSSAPI (Kerberos) is not supported by this client: use SCRAM-SHA-512, PLAIN over SASL_SSL, or OAUTHBEARER');
    }
    const mechanism = choice<SaslMechanism>('--sasl-mechanism', o.saslMechanism.toUpperCase(), SASL_MECHANISMS);
    if (mechanism === 'OAUTHBEARER') {
      if (!o.saslOauthTokenFile) throw new ConnectionConfigError('--sasl-mechanism OAUTHBEARER needs --sasl-oauth-token-file FILE');
      sasl = { mechanism, tokenFile: o.saslOauthTokenFile };
    } else {
      if (!o.saslUsername) throw new ConnectionConfigError(`--sasl-mechanism ${mechanism} needs --sasl-username (or KAFKA_SASL_USERNAME)`);
      const password = o.saslPasswordFile !== undefined ? readSecretFile(o.saslPasswordFile, readFile) : o.saslPassword;
      if (password === undefined || password === '') {
        throw new ConnectionConfigError(`--sasl-mechanism ${mechanism} needs --sasl-password, KAFKA_SASL_PASSWORD or --sasl-password-file`);
      }
      refuseShortSecret('the SASL password', password);
      sasl = { mechanism, username: o.saslUsername, password: new Secret(password) };
    }
  } else if (o.saslMechanism || o.saslUsername) {
    throw new ConnectionConfigError(`SASL options were given, but --security-protocol is ${protocol}: use SASL_SSL (or SASL_PLAINTEXT)`);
  }
  let tls: ConnectionSettings['tls'] = null;
  if (usesTls(protocol)) {
    if ((o.sslCert === undefined) !== (o.sslKey === undefined)) throw new ConnectionConfigError('--ssl-cert and --ssl-key go together (a client certificate and its private key)');
    tls = {
      caFile: o.sslCa ?? null,
      certFile: o.sslCert ?? null,
      keyFile: o.sslKey ?? null,
      keyPassword: o.sslKeyPassword ? new Secret(refuseShortSecret('--ssl-key-password', o.sslKeyPassword)) : null,
      skipVerify: o.sslSkipVerify === true,
    };
  } else if (o.sslCa || o.sslCert || o.sslKey || o.sslSkipVerify) {
    throw new ConnectionConfigError(`TLS options were given, but --security-protocol is ${protocol}: use SSL (or SASL_SSL)`);
  }
  return { brokers, clientId: o.clientId ?? 'online-em', securityProtocol: protocol, sasl, tls };
}

/** Where a broker list came from, as a refusal names it, and where its credentials belong instead. */
export interface BrokerListSource {
  readonly name: string;
  readonly credentials: string;
}

const BROKERS_FLAG: BrokerListSource = {
  name: '--brokers',
  credentials: 'give the user with --sasl-username and the password with --sasl-password, KAFKA_SASL_PASSWORD or --sasl-password-file',
};

const BOOTSTRAP_SERVERS: BrokerListSource = {
  name: 'bootstrap.servers (--kafka-config)',
  credentials: 'give them as sasl.username and sasl.password (or sasl.jaas.config) in the file, or with --sasl-username and --sasl-password-file',
};

/**
 * The HOST:PORT entries of a broker list; `source` names where it came from in a refusal. A list
 * with credentials in it (`user:password@host:9092`) is refused without echoing them: the whole
 * list is looked at first, as a password may hold a comma.
 */
export function parseBrokerList(text: string, source: BrokerListSource = BROKERS_FLAG): string[] {
  if (text.includes('@')) {
    const shown = text.split(',').filter((b) => b.includes('@')).map((b) => hideBrokerCredentials(b.trim()));
    throw new ConnectionConfigError(`${source.name} must be HOST:PORT[,HOST:PORT...] without credentials (got '${shown.join(',')}'): ${source.credentials}`);
  }
  const brokers = text.split(',').map((b) => b.trim()).filter((b) => b !== '');
  for (const b of brokers) {
    if (!/^[^\s:]+:\d{1,5}$/.test(b)) throw new ConnectionConfigError(`${source.name} must be HOST:PORT[,HOST:PORT...] (got '${b}')`);
  }
  if (brokers.length === 0) throw new ConnectionConfigError(`${source.name} must name at least one HOST:PORT`);
  return brokers;
}

function choice<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  const v = value.toUpperCase();
  if (!(allowed as readonly string[]).includes(v)) throw new ConnectionConfigError(`${flag} must be one of ${allowed.join(', ')} (got '${value}')`);
  return v as T;
}

function readSecretFile(path: string, readFile: (path: string) => string): string {
  let text: string;
  try {
    text = readFile(path);
  } catch (error) {
    throw new ConnectionConfigError(`cannot read --sasl-password-file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  // A mounted secret often ends with a newline that is not part of the password.
  return text.replace(/\r?\n$/, '');
}

/**
 * A secret shorter than MIN_SECRET_LENGTH cannot be kept out of the logs (scrubbing it would
 * blank ordinary text), so it is refused.
 */
function refuseShortSecret(what: string, value: string): string {
  if (value.length < MIN_SECRET_LENGTH) {
    throw new ConnectionConfigError(`${what} is shorter than ${MIN_SECRET_LENGTH} characters: online-em refuses it, as it could not keep so short a secret out of its logs`);
  }
  return value;
}

function definedOnly(o: ConnectionOptions): ConnectionOptions {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null)) as ConnectionOptions;
}
