import type { Secret } from '../../log/secrets.js';

/** How a client reaches the cluster: Kafka's own names, as in client.properties. */
export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];

export const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

export type SaslSettings =
  | { readonly mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'; readonly username: string; readonly password: Secret }
  /** The token is read from the file at each authentication (Kubernetes projected tokens rotate). */
  | { readonly mechanism: 'OAUTHBEARER'; readonly tokenFile: string };

export interface TlsSettings {
  /** PEM files; null: the system's CAs, no client certificate. */
  readonly caFile: string | null;
  readonly certFile: string | null;
  readonly keyFile: string | null;
  readonly keyPassword: Secret | null;
  /** Accept any server certificate (never in production: it allows a man in the middle). */
  readonly skipVerify: boolean;
}

/** Everything needed to connect, validated: what kafkajs gets is derived from it. */
export interface ConnectionSettings {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly securityProtocol: SecurityProtocol;
  readonly sasl: SaslSettings | null;
  readonly tls: TlsSettings | null;
}

export function usesTls(protocol: SecurityProtocol): boolean {
  return protocol === 'SSL' || protocol === 'SASL_SSL';
}

export function usesSasl(protocol: SecurityProtocol): boolean {
  return protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';
}

/** One line naming protocol and mechanism, for messages and the start-up log (never a secret). */
export function describeSecurity(s: ConnectionSettings): string {
  const sasl = s.sasl ? ` ${s.sasl.mechanism}${'username' in s.sasl ? ` as '${s.sasl.username}'` : ''}` : '';
  const tls = s.tls ? `${s.tls.caFile ? `, CA ${s.tls.caFile}` : ''}${s.tls.certFile ? `, client certificate ${s.tls.certFile}` : ''}${s.tls.skipVerify ? ', certificate NOT verified' : ''}` : '';
  return `${s.securityProtocol}${sasl}${tls}`;
}
