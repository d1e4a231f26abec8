import { afterEach, describe, expect, it } from 'vitest';
import { ToolForbiddenError } from '../../../../bridge/catalog/catalog-errors.js';
import { type AgentToolCall, toolCatalogOf } from '../../../../bridge/catalog/catalog-tool-source.js';
import type { TaskService } from '../../../../bridge/tasks/task-service.js';
import { createTaskTools } from '../../../../bridge/tasks/task-tools.js';
import { resolvePolicy } from '../../../../runtime/actors/agent-definition.js';
import type { LiveRun } from '../../../../runtime/actors/live-run.js';
import { ToolNotAllowedError } from '../../../../runtime/actors/run-errors.js';
import { JournaledRunServices, type RunServicesDeps } from '../../../../runtime/actors/run-services.js';
import { createHarness, type Harness, tools } from './catalog-fixtures.js';

// The catalog as agents see it (issue 13): a run cannot approve runs, and the task tools that
// start or read runs are granted by exact name only, never by a glob like `*`.

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function agentCatalog(onCall?: (call: AgentToolCall) => void) {
  harness = await createHarness({ crm: tools('get_account') });
  // Listing the task tools needs only the agents (each is a tool too); a call that reached the
  // task service would fail loudly.
  const helper = { name: 'helper', description: 'helps', capabilities: [], version: '1' };
  harness.catalog.addLocalTools(createTaskTools({ listAgents: () => [helper] } as unknown as TaskService));
  await harness.settle();
  return toolCatalogOf(harness.catalog, onCall ? { onCall } : {});
}

/** The services of a run of `agent` under `allowTools`, over `catalog` (only listing and the allow check are used). */
function servicesOf(catalog: RunServicesDeps['tools'], allowTools: string[]) {
  const live = { id: 'run-1', agent: 'helper', policy: resolvePolicy({ allowTools }) } as unknown as LiveRun;
  return new JournaledRunServices({ live, tools: catalog } as unknown as RunServicesDeps);
}

describe('the catalog agents call tools through', () => {
  it('never lists the decision tools, whatever the policy', async () => {
    const catalog = await agentCatalog();
    const names = catalog.listTools().map((tool) => tool.name);
    expect(names).toEqual(
      expect.arrayContaining(['crm__get_account', 'tasks__submit', 'agents__run', 'agents__helper']),
    );
    expect(names).not.toContain('runs__approve');
    expect(names).not.toContain('runs__reject');
    const services = servicesOf(catalog, ['*', 'runs__approve', 'runs__reject']);
    expect(services.listTools().map((tool) => tool.name)).not.toContain('runs__approve');
    await expect(services.callTool('k', 'runs__approve', { runId: 'x' })).rejects.toBeInstanceOf(
      ToolNotAllowedError,
    );
  });

  it('grants the task tools by their exact name only: `*` reaches the upstream tools, not them', async () => {
    const catalog = await agentCatalog();
    const wildcard = servicesOf(catalog, ['*']);
    expect(wildcard.listTools().map((tool) => tool.name)).toEqual(['crm__get_account']);
    await expect(wildcard.callTool('k', 'tasks__submit', {})).rejects.toBeInstanceOf(ToolNotAllowedError);
    const globbed = servicesOf(catalog, ['tasks__*', 'agents__*']);
    expect(globbed.listTools()).toEqual([]);
    await expect(wildcard.callTool('k', 'agents__helper', {})).rejects.toBeInstanceOf(ToolNotAllowedError);
    const named = servicesOf(catalog, ['*', 'tasks__status', 'agents__helper']);
    expect(
      named
        .listTools()
        .map((tool) => tool.name)
        .sort(),
    ).toEqual(['agents__helper', 'crm__get_account', 'tasks__status']);
  });

  it('refuses a decision tool called directly, as the run, and audits the refusal with its run', async () => {
    const calls: AgentToolCall[] = [];
    const catalog = await agentCatalog((call) => calls.push(call));
    const run = { runId: 'run-7', agent: 'helper', requestedBy: 'ops' };
    await expect(catalog.callTool('runs__approve', { runId: 'x' }, { run })).rejects.toBeInstanceOf(
      ToolForbiddenError,
    );
    const ok = await catalog.callTool('crm__get_account', { text: 'a' }, { run });
    expect(ok.content).toEqual([{ type: 'text', text: 'crm:get_account' }]);
    expect(calls.map(({ tool, outcome, run: by }) => ({ tool, outcome, by }))).toEqual([
      { tool: 'runs__approve', outcome: 'error', by: run },
      { tool: 'crm__get_account', outcome: 'ok', by: run },
    ]);
    expect(calls[1]).toMatchObject({ server: 'crm', arguments: { text: 'a' } });
  });
});
