import { describe, expect, it } from 'vitest';
import { ResourceStack } from '../../../../app/compose/resource-stack.js';
import type { Logger } from '../../../../core/logger.js';

function recordingLogger(lines: string[]): Logger {
  const logger = {
    error: (_fields: unknown, message: string) => void lines.push(message),
    child: () => logger,
  };
  return logger as unknown as Logger;
}

describe('ResourceStack', () => {
  it('closes the last opened first, once, however often close() is called', async () => {
    const order: string[] = [];
    const stack = new ResourceStack();
    const sql = stack.use('the SQL store', { close: async () => void order.push('sql') });
    stack.use('the fleet', { close: () => void order.push('fleet') });
    stack.defer('the audit log', async () => void order.push('audit'));
    expect(sql).toBeDefined();
    await Promise.all([stack.close(), stack.close()]);
    await stack.close();
    expect(order).toEqual(['audit', 'fleet', 'sql']);
  });

  it('goes on past a close that fails or hangs, and says which one', async () => {
    const order: string[] = [];
    const logged: string[] = [];
    const stack = new ResourceStack({ logger: recordingLogger(logged), closeTimeoutMs: 50 });
    stack.defer('the SQL store', () => void order.push('sql'));
    stack.defer('a stuck upstream', () => new Promise<void>(() => undefined));
    stack.defer('the API', () => Promise.reject(new Error('boom')));
    await stack.close();
    expect(order).toEqual(['sql']);
    expect(logged).toEqual([
      'closing the API failed',
      'closing a stuck upstream took longer than 50 ms; going on',
    ]);
  });

  it('refuses a resource registered while closing, so nothing is left open unseen', async () => {
    const stack = new ResourceStack();
    const closing = stack.close();
    expect(() => stack.defer('late', () => undefined)).toThrow(/closing/);
    await closing;
  });
});
