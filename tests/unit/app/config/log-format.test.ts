import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { logFormatFrom } from '../../../../app/config/log-format.js';

describe('logFormatFrom', () => {
  it('is pretty at a terminal and JSON elsewhere, unless SWITCHYARD_LOG_FORMAT says otherwise', () => {
    expect(logFormatFrom({}, true)).toBe('pretty');
    expect(logFormatFrom({}, false)).toBe('json');
    expect(logFormatFrom({ SWITCHYARD_LOG_FORMAT: 'json' }, true)).toBe('json');
    expect(logFormatFrom({ SWITCHYARD_LOG_FORMAT: 'pretty' }, false)).toBe('pretty');
  });

  it('refuses an unknown format, naming the variable and the choices', () => {
    expect(() => logFormatFrom({ SWITCHYARD_LOG_FORMAT: 'xml' }, false)).toThrow(
      /SWITCHYARD_LOG_FORMAT: expected json or pretty, got 'xml'/,
    );
  });
});

describe('createLogger({ format })', () => {
  const probe = (format: string) => {
    const script = `
      import { createLogger } from './core/logger.ts';
      createLogger({ name: 'probe', format: '${format}' }).info({ answer: 42 }, 'hello');
    `;
    return spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
  };

  it('pretty: a readable line on stderr with the fields below it, nothing on stdout', () => {
    const result = probe('pretty');
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^\[\d{2}:\d{2}:\d{2}\.\d{3}\] INFO: hello\n {4}answer: 42\n$/);
  });

  it('json: one JSON object per line', () => {
    const result = probe('json');
    expect(JSON.parse(result.stderr.trim())).toMatchObject({ msg: 'hello', answer: 42, level: 30 });
  });
});
