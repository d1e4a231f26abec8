export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** How long an open circuit fails fast before it lets one trial call through. */
  resetTimeoutMs: number;
  /** The clock's `now`. */
  now: () => number;
  /** Called on every change of state. */
  onChange?: (from: CircuitState, to: CircuitState, failures: number) => void;
}

/** Handed out by {@link CircuitBreaker.tryPass}; given back with the call's outcome. */
export interface CircuitPermit {
  /** The one call a half-open circuit lets through: its outcome closes or reopens the circuit. */
  readonly trial: boolean;
}

/**
 * A circuit breaker for one upstream. Closed: calls pass and consecutive failures are counted;
 * `failureThreshold` of them open it. Open: calls fail fast until `resetTimeoutMs` has passed;
 * then it is half-open and lets exactly one trial call through: a success closes it, a failure
 * opens it for another `resetTimeoutMs`. Outcomes of calls that started before the circuit opened
 * change nothing: they say what it already knows.
 */
export class CircuitBreaker {
  private _state: CircuitState = 'closed';
  private _failures = 0;
  private openedAt = 0;
  private trialInFlight = false;

  constructor(private readonly options: CircuitBreakerOptions) {
    if (!Number.isInteger(options.failureThreshold) || options.failureThreshold < 1)
      throw new RangeError(`failureThreshold must be a positive integer, got ${options.failureThreshold}`);
    if (!(options.resetTimeoutMs > 0))
      throw new RangeError(`resetTimeoutMs must be positive, got ${options.resetTimeoutMs}`);
  }

  /** The state now; an open circuit whose timeout has passed reads as half-open. */
  get state(): CircuitState {
    if (this._state === 'open' && this.options.now() >= this.retryAt) this.move('half-open');
    return this._state;
  }

  /** Consecutive failures counted so far. */
  get failures(): number {
    return this._failures;
  }

  /** When an open circuit will let a trial call through (epoch ms). */
  get retryAt(): number {
    return this.openedAt + this.options.resetTimeoutMs;
  }

  /** A permit for one call, or undefined when the call must fail fast. */
  tryPass(): CircuitPermit | undefined {
    const state = this.state;
    if (state === 'closed') return { trial: false };
    if (state === 'open' || this.trialInFlight) return undefined;
    this.trialInFlight = true;
    return { trial: true };
  }

  /** The call got an answer: the upstream works. */
  success(permit: CircuitPermit): void {
    if (permit.trial) {
      this.trialInFlight = false;
      this._failures = 0;
      this.move('closed');
    } else if (this._state === 'closed') {
      this._failures = 0;
    }
  }

  /** The call timed out or its transport failed. */
  failure(permit: CircuitPermit): void {
    if (permit.trial) {
      this.trialInFlight = false;
      this._failures += 1;
      this.open();
    } else if (this._state === 'closed') {
      this._failures += 1;
      if (this._failures >= this.options.failureThreshold) this.open();
    }
  }

  /** The call ended without saying anything about the upstream (cancelled by its caller). */
  release(permit: CircuitPermit): void {
    if (permit.trial) this.trialInFlight = false;
  }

  /** Back to closed with no failures counted: a fresh process or connection starts clean. */
  reset(): void {
    this._failures = 0;
    this.trialInFlight = false;
    this.move('closed');
  }

  private open(): void {
    this.openedAt = this.options.now();
    this.move('open');
  }

  private move(to: CircuitState): void {
    const from = this._state;
    if (from === to) return;
    this._state = to;
    this.options.onChange?.(from, to, this._failures);
  }
}
