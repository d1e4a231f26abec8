import { describe, expect, it } from 'vitest';
import { CircuitBreaker, type CircuitState } from '../../../../bridge/fleet/circuit-breaker.js';

function breaker(failureThreshold = 3, resetTimeoutMs = 1000) {
  let now = 0;
  const changes: Array<[CircuitState, CircuitState]> = [];
  const circuit = new CircuitBreaker({
    failureThreshold,
    resetTimeoutMs,
    now: () => now,
    onChange: (from, to) => changes.push([from, to]),
  });
  return {
    circuit,
    changes,
    advance: (ms: number) => (now += ms),
    fail: () => circuit.failure(circuit.tryPass()!),
    succeed: () => circuit.success(circuit.tryPass()!),
  };
}

describe('CircuitBreaker', () => {
  it('opens after failureThreshold consecutive failures and then fails fast', () => {
    const { circuit, changes, fail } = breaker(3);
    fail();
    fail();
    expect(circuit.state).toBe('closed');
    fail();
    expect(circuit.state).toBe('open');
    expect(circuit.tryPass()).toBeUndefined();
    expect(changes).toEqual([['closed', 'open']]);
  });

  it('counts only consecutive failures: a success in between starts the count again', () => {
    const { circuit, fail, succeed } = breaker(3);
    fail();
    fail();
    succeed();
    fail();
    fail();
    expect(circuit.state).toBe('closed');
    expect(circuit.failures).toBe(2);
  });

  it('lets exactly one trial call through after resetTimeoutMs, and closes when it succeeds', () => {
    const { circuit, changes, fail, advance } = breaker(1, 1000);
    fail();
    advance(999);
    expect(circuit.tryPass()).toBeUndefined();
    advance(1);
    expect(circuit.state).toBe('half-open');
    const trial = circuit.tryPass();
    expect(trial).toEqual({ trial: true });
    // A second call while the trial is out still fails fast.
    expect(circuit.tryPass()).toBeUndefined();
    circuit.success(trial!);
    expect(circuit.state).toBe('closed');
    expect(circuit.tryPass()).toEqual({ trial: false });
    expect(changes).toEqual([
      ['closed', 'open'],
      ['open', 'half-open'],
      ['half-open', 'closed'],
    ]);
  });

  it('opens again for another resetTimeoutMs when the trial fails', () => {
    const { circuit, advance } = breaker(1, 1000);
    circuit.failure(circuit.tryPass()!);
    advance(1000);
    circuit.failure(circuit.tryPass()!);
    expect(circuit.state).toBe('open');
    advance(999);
    expect(circuit.tryPass()).toBeUndefined();
    advance(1);
    expect(circuit.tryPass()?.trial).toBe(true);
  });

  it('lets another trial through when the trial was released without an outcome', () => {
    const { circuit, advance } = breaker(1, 1000);
    circuit.failure(circuit.tryPass()!);
    advance(1000);
    circuit.release(circuit.tryPass()!);
    expect(circuit.state).toBe('half-open');
    expect(circuit.tryPass()?.trial).toBe(true);
  });

  it('ignores late outcomes of calls that started before it opened', () => {
    const { circuit, advance } = breaker(2, 1000);
    const early = [circuit.tryPass()!, circuit.tryPass()!, circuit.tryPass()!];
    circuit.failure(early[0]!);
    circuit.failure(early[1]!);
    expect(circuit.state).toBe('open');
    circuit.success(early[2]!);
    expect(circuit.state).toBe('open');
    advance(1000);
    expect(circuit.state).toBe('half-open');
  });

  it('reset() closes it with no failures counted', () => {
    const { circuit, fail } = breaker(1);
    fail();
    circuit.reset();
    expect(circuit.state).toBe('closed');
    expect(circuit.failures).toBe(0);
  });
});
