import { describe, expect, it } from 'vitest';
import { parseMemoryFile } from '../../../../mcp-servers/memory/memory-jsonl.js';
import { ValidationError } from '../../../../core/errors.js';

describe('parseMemoryFile', () => {
  it('reads the lines the reference server writes, in order, ignoring blank lines and other types', () => {
    const text = [
      '{"type":"entity","name":"A","entityType":"t","observations":["o"]}',
      '',
      '{"type":"relation","from":"A","to":"B","relationType":"r"}',
      '{"type":"comment","text":"kept out"}',
    ].join('\n');
    expect(parseMemoryFile(text)).toEqual({
      lines: [
        { type: 'entity', entity: { name: 'A', entityType: 't', observations: ['o'] } },
        { type: 'relation', relation: { from: 'A', to: 'B', relationType: 'r' } },
      ],
      skipped: 1,
    });
  });

  it('names the line of invalid JSON without echoing its content', () => {
    const secret = 'password=hunter2';
    expect(() => parseMemoryFile(`\n${secret}`)).toThrow(ValidationError);
    try {
      parseMemoryFile(`\n${secret}`);
    } catch (error) {
      expect(String(error)).toContain('line 2 is not JSON');
      expect(String(error)).not.toContain('hunter2');
    }
  });

  it('refuses an entity line with a missing field, naming the field', () => {
    expect(() => parseMemoryFile('{"type":"entity","name":"A","entityType":"t"}')).toThrow(
      /line 1 is not a valid entity \(check: observations\)/,
    );
  });
});
