/** The login module and credentials of a `sasl.jaas.config` value. */
export interface JaasLogin {
  readonly module: 'plain' | 'scram';
  readonly username: string;
  readonly password: string;
}

/**
 * Read `org.apache.kafka.common.security.plain.PlainLoginModule required username="…" password="…";`
 * (or `…scram.ScramLoginModule`). Null when it is not one of those (the caller says so).
 */
export function parseJaasConfig(value: string): JaasLogin | null {
  const m = /^\s*([\w.$]+)\s+(required|requisite|sufficient|optional)\b(.*?);?\s*$/s.exec(value);
  if (!m) return null;
  const className = m[1];
  const module = /\.plain\.PlainLoginModule$/.test(className) ? 'plain' : /\.scram\.ScramLoginModule$/.test(className) ? 'scram' : null;
  if (!module) return null;
  const options = new Map<string, string>();
  // key="value with \" escapes" or key=bare
  const option = /(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s;"]+))/g;
  for (let o = option.exec(m[3]); o; o = option.exec(m[3])) options.set(o[1], o[2] !== undefined ? o[2].replace(/\\(.)/g, '$1') : o[3]);
  const username = options.get('username');
  const password = options.get('password');
  if (username === undefined || password === undefined) return null;
  return { module, username, password };
}
