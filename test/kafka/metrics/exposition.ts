/** A Prometheus text exposition, parsed strictly: every line is a HELP, a TYPE or a sample. */
export interface Exposition {
  /** name{labels} -> value, labels as written. */
  readonly samples: Map<string, number>;
  readonly types: Map<string, string>;
  readonly helps: Map<string, string>;
}

export function parseExposition(text: string): Exposition {
  const out: Exposition = { samples: new Map(), types: new Map(), helps: new Map() };
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let m = /^# HELP (\S+) (.*)$/.exec(line);
    if (m) {
      if (out.helps.has(m[1])) throw new Error(`two HELP lines for ${m[1]}`);
      out.helps.set(m[1], m[2]);
      continue;
    }
    m = /^# TYPE (\S+) (counter|gauge|histogram|summary)$/.exec(line);
    if (m) {
      if (out.types.has(m[1])) throw new Error(`two TYPE lines for ${m[1]}`);
      out.types.set(m[1], m[2]);
      continue;
    }
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    out.samples.set(`${m[1]}${m[2] ?? ''}`, Number(m[3]));
  }
  return out;
}

/** Each metric's name, type, label names (besides a histogram's `le`, in the order written) and HELP. */
export function seriesOf(e: Exposition): { name: string; type: string; labels: string[]; help: string }[] {
  return [...e.types].map(([name, type]) => {
    const sample = [...e.samples.keys()].find((k) => k.startsWith(`${name}{`) || k.startsWith(`${name}_bucket{`));
    const labels = sample ? [...sample.matchAll(/([a-zA-Z_]+)="/g)].map((x) => x[1]).filter((l) => l !== 'le') : [];
    return { name, type, labels, help: e.helps.get(name)! };
  });
}
