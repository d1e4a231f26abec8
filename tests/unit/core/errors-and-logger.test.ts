import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  fromErrorPayload,
  NotFoundError,
  SwitchyardError,
  toErrorPayload,
  ValidationError,
} from '../../../core/errors.js';

describe('errors', () => {
  it('carry a string code, a name and details', () => {
    const error = new ValidationError('bad input', { field: 'x' });
    expect(error).toBeInstanceOf(SwitchyardError);
    expect(error).toMatchObject({
      name: 'ValidationError',
      code: 'validation_failed',
      details: { field: 'x' },
    });
    expect(new NotFoundError('collection', 'docs').message).toBe("collection 'docs' does not exist");
  });

  it('survive a trip through JSON with name and code intact', () => {
    const payload = JSON.parse(JSON.stringify(toErrorPayload(new NotFoundError('run', 'r1'))));
    const rebuilt = fromErrorPayload(payload);
    expect(rebuilt).toMatchObject({
      name: 'NotFoundError',
      code: 'not_found',
      message: "run 'r1' does not exist",
    });
    expect(toErrorPayload(new TypeError('plain'))).toMatchObject({ code: 'internal', name: 'TypeError' });
  });
});

describe('createLogger', () => {
  it('writes JSON lines to stderr and nothing to stdout', () => {
    const script = `
      import { createLogger } from './core/logger.ts';
      createLogger({ name: 'probe' }).info({ answer: 42 }, 'hello');
    `;
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('');
    const line = JSON.parse(result.stderr.trim().split('\n').at(-1)!);
    expect(line).toMatchObject({ name: 'probe', msg: 'hello', answer: 42, level: 30 });
  });
});
