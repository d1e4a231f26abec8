import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadAgents } from '../../../agents/load-agents.js';
import { createToolAgent } from '../../../agents/tool-agent/tool-agent.js';
import { parseToolAgentSpec } from '../../../agents/tool-agent/tool-agent-spec.js';

const EXAMPLES = join(import.meta.dirname, '../../../examples/agents');
const builtin = createToolAgent(
  parseToolAgentSpec({ name: 'builtin-one', description: 'd', systemPrompt: 's' }, 'test'),
);

describe('loadAgents', () => {
  const dirs: string[] = [];
  const dir = () => {
    const made = mkdtempSync(join(tmpdir(), 'switchyard-agents-'));
    dirs.push(made);
    return made;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('lists the built-ins, then the definition files of each folder, with name, description, capabilities and source', () => {
    const loaded = loadAgents([builtin], [EXAMPLES, join(tmpdir(), 'no-such-folder-here')]);
    expect(loaded.map((a) => [a.definition.name, a.source.endsWith('.yaml') ? 'file' : a.source])).toEqual([
      ['builtin-one', 'built-in'],
      ['crm-assistant', 'file'],
    ]);
    const assistant = loaded[1]!.definition;
    expect(assistant.capabilities).toContain('crm.write');
    expect(assistant.description).toMatch(/accounts/);
    expect(assistant.policy?.allowTools).toContain('crm__*');
  });

  it('reads JSON definitions too and ignores files that are not definitions', () => {
    const d = dir();
    writeFileSync(
      join(d, 'helper.agent.json'),
      JSON.stringify({ name: 'helper', description: 'h', systemPrompt: 'p' }),
    );
    writeFileSync(join(d, 'notes.txt'), 'not an agent');
    expect(loadAgents([], [d]).map((a) => a.definition.name)).toEqual(['helper']);
  });

  it('refuses a name defined twice, naming both sources', () => {
    const d = dir();
    writeFileSync(
      join(d, 'dup.agent.json'),
      JSON.stringify({ name: 'builtin-one', description: 'h', systemPrompt: 'p' }),
    );
    expect(() => loadAgents([builtin], [d])).toThrow(
      /'builtin-one' is defined twice: in built-in and in .*dup\.agent\.json/,
    );
  });

  it('names the file and the field of a bad definition', () => {
    const d = dir();
    writeFileSync(join(d, 'bad.agent.yaml'), 'name: Bad Name\ndescription: x\nsystemPrompt: y\n');
    expect(() => loadAgents([], [d])).toThrow(/bad\.agent\.yaml.*name/);
    writeFileSync(join(d, 'bad.agent.yaml'), 'name: [unclosed\n');
    expect(() => loadAgents([], [d])).toThrow(/bad\.agent\.yaml: not valid YAML/);
  });
});
