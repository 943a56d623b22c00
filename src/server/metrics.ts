/**
 * Counters of what the server refused and why, plus a few gauges, rendered
 * in the Prometheus text format for /metrics.
 */
export const COUNTERS = {
  connections_accepted: 'TLS connections accepted',
  connections_refused_per_ip: 'connections refused: too many from one address',
  connections_refused_rate: 'connections refused: too many new ones from one address',
  connections_refused_global: 'connections refused: server full',
  tls_handshake_failures: 'TLS handshakes that failed (old versions, wrong ALPN, timeouts)',
  logins: 'successful logins',
  login_timeouts: 'connections closed for not logging in in time',
  messages_stored: 'messages acknowledged after commit',
  rate_limited: 'frames refused by flood control',
  flood_disconnects: 'connections closed for repeated flooding',
  slow_consumer_disconnects: 'connections closed because they did not read',
  oversize_lines: 'lines over the size limit (connection closed)',
  protocol_errors: 'malformed frames or lines answered with an error',
  internal_errors: 'sessions closed by a bug met while handling their input',
  sessions_replaced: 'sessions replaced by a new login of the same device',
  offline_messages: 'private messages stored for an offline registered user',
  idle_timeouts:
    'connections closed for silence (native after idle-close, text after idle-close-text)',
  login_attempts: 'hello frames and text-mode name lines handled before login',
  login_attempts_refused: 'login attempts refused by the pre-login budget',
  password_hashes: 'password hashes (scrypt) run: logins, register, password changes',
  password_hashes_refused: 'password checks refused because the hashing queue was full',
  tls_renegotiations_refused: 'TLS 1.2 renegotiations refused (the connection is closed)',
  web_socket_upgrades: 'WebSocket sessions opened at /ws',
  web_socket_origin_refusals: 'WebSocket upgrades refused for a foreign Origin',
} as const;

export type CounterName = keyof typeof COUNTERS;

export class Metrics {
  readonly #counts = new Map<CounterName, number>();
  readonly #gauges = new Map<string, { help: string; read: () => number }>();
  readonly #rendered: (() => void)[] = [];

  increment(name: CounterName, by = 1): void {
    this.#counts.set(name, (this.#counts.get(name) ?? 0) + by);
  }

  get(name: CounterName): number {
    return this.#counts.get(name) ?? 0;
  }

  gauge(name: string, help: string, read: () => number): void {
    this.#gauges.set(name, { help, read });
  }

  snapshot(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const name of Object.keys(COUNTERS) as CounterName[]) out[name] = this.get(name);
    for (const [name, gauge] of this.#gauges) out[name] = gauge.read();
    return out;
  }

  /** Called after each render: windowed gauges start their next window. */
  onRendered(listener: () => void): void {
    this.#rendered.push(listener);
  }

  /** Prometheus text exposition format. */
  render(): string {
    const lines: string[] = [];
    for (const [name, help] of Object.entries(COUNTERS) as [CounterName, string][]) {
      lines.push(`# HELP natter_${name}_total ${help}`, `# TYPE natter_${name}_total counter`);
      lines.push(`natter_${name}_total ${this.get(name)}`);
    }
    for (const [name, gauge] of this.#gauges) {
      lines.push(`# HELP natter_${name} ${gauge.help}`, `# TYPE natter_${name} gauge`);
      lines.push(`natter_${name} ${gauge.read()}`);
    }
    for (const listener of this.#rendered) listener();
    return lines.join('\n') + '\n';
  }
}
