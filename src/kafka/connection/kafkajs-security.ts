import { readFileSync } from 'node:fs';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { SASLOptions } from 'kafkajs';
import type { ConnectionSettings } from './connection-settings.js';
import { ConnectionConfigError } from './resolve-connection.js';

/** What kafkajs's `new Kafka({...})` takes for TLS and SASL, from validated settings. */
export interface KafkajsSecurity {
  readonly ssl?: TlsOptions | boolean;
  readonly sasl?: SASLOptions;
}

/**
 * kafkajs's `ssl` and `sasl` options. PEM files are read here, once, with a clear line
 * when one cannot be; an OAUTHBEARER token file is read again at every authentication.
 */
export function kafkajsSecurity(s: ConnectionSettings, readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): KafkajsSecurity {
  const out: { ssl?: TlsOptions | boolean; sasl?: SASLOptions } = {};
  if (s.tls) {
    const t = s.tls;
    const pem = (flag: string, path: string | null): string | undefined => (path === null ? undefined : readPem(flag, path, readFile));
    out.ssl = {
      ...(t.caFile ? { ca: [pem('--ssl-ca', t.caFile)!] } : {}),
      ...(t.certFile ? { cert: pem('--ssl-cert', t.certFile) } : {}),
      ...(t.keyFile ? { key: pem('--ssl-key', t.keyFile) } : {}),
      ...(t.keyPassword ? { passphrase: t.keyPassword.reveal() } : {}),
      rejectUnauthorized: !t.skipVerify,
    };
  }
  const sasl = s.sasl;
  if (sasl?.mechanism === 'OAUTHBEARER') {
    const tokenFile = sasl.tokenFile;
    out.sasl = {
      mechanism: 'oauthbearer',
      oauthBearerProvider: async () => ({ value: readToken(tokenFile, readFile) }),
    };
  } else if (sasl) {
    const mechanism = ({ PLAIN: 'plain', 'SCRAM-SHA-256': 'scram-sha-256', 'SCRAM-SHA-512': 'scram-sha-512' } as const)[sasl.mechanism];
    out.sasl = { mechanism, username: sasl.username, password: sasl.password.reveal() } as SASLOptions;
  }
  return out;
}

function readPem(flag: string, path: string, readFile: (path: string) => string): string {
  let text: string;
  try {
    text = readFile(path);
  } catch (error) {
    throw new ConnectionConfigError(`cannot read ${flag} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  if (!text.includes('-----BEGIN ')) throw new ConnectionConfigError(`${flag} ${path} is not a PEM file (no -----BEGIN line)`);
  return text;
}

function readToken(path: string, readFile: (path: string) => string): string {
  let token: string;
  try {
    token = readFile(path).trim();
  } catch (error) {
    throw new ConnectionConfigError(`cannot read --sasl-oauth-token-file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  if (token === '') throw new ConnectionConfigError(`--sasl-oauth-token-file ${path} is empty`);
  return token;
}
