import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { securityAgent } from '../../../../agents/security/security-agent.js';
import { type AgentHarness, startAgentHarness } from '../../../support/agent-harness.js';

const FINAL = (s: string) => ['completed', 'failed', 'cancelled'].includes(s);
const AWS_KEY = 'AKIAIOSFODNN7EXAMPLE';

describe('security agent', { timeout: 120_000 }, () => {
  let harness: AgentHarness;
  let project: string;
  beforeAll(async () => {
    harness = await startAgentHarness({ agents: [securityAgent], builtins: ['filesystem'] });
    project = join(harness.files, 'project');
    mkdirSync(join(project, 'src'), { recursive: true });
    mkdirSync(join(project, 'keys'), { recursive: true });
    mkdirSync(join(project, 'node_modules', 'dep'), { recursive: true });
    writeFileSync(
      join(project, '.env'),
      `AWS_ACCESS_KEY_ID=${AWS_KEY}\nDB_PASSWORD=hunter2-prod\nAPI_KEY=\${API_KEY}\n`,
    );
    writeFileSync(join(project, 'src', 'app.js'), 'const x = 1;\nconst y = eval(userInput);\n');
    writeFileSync(
      join(project, 'keys', 'id_rsa'),
      '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n',
    );
    writeFileSync(join(project, 'src', 'clean.ts'), 'export const ok = true;\n');
    // Dependencies are not the project's code: the scan leaves node_modules out.
    writeFileSync(join(project, 'node_modules', 'dep', 'index.js'), 'eval("1")\n');
  });
  afterAll(async () => harness?.dispose());

  it('finds the planted secrets and writes a Markdown report with them, masked', async () => {
    const reportPath = join(harness.files, 'security-report.md');
    const run = await harness.supervisor.startRun('security', { paths: [project], reportPath });
    const done = await harness.supervisor.waitFor(run.id, FINAL, 90_000);

    expect(done.status, JSON.stringify(done.error)).toBe('completed');
    const output = done.output as {
      filesScanned: number;
      counts: Record<string, number>;
      findings: Array<{ file: string; line: number; rule: string; severity: string }>;
    };
    expect(output.filesScanned).toBe(4);
    const found = output.findings
      .map((f) => `${f.file.slice(project.length + 1)}:${f.line}:${f.rule}`)
      .sort();
    expect(found).toEqual([
      '.env:1:aws-access-key-id',
      '.env:2:password-in-config',
      'keys/id_rsa:1:private-key',
      'src/app.js:2:eval-call',
    ]);
    expect(output.counts).toEqual({ critical: 2, high: 1, medium: 1, low: 0 });

    const report = readFileSync(reportPath, 'utf8');
    expect(report).toContain('# Security scan report');
    expect(report).toMatch(/\| critical \| .*\.env \| 1 \| aws-access-key-id \|/);
    expect(report).toContain('src/app.js | 2 | eval-call');
    // The report names the leak without repeating it.
    expect(report).not.toContain(AWS_KEY);
    expect(report).not.toContain('hunter2-prod');
    expect(report).not.toContain('node_modules');
  });

  it('writes a JSON report for a .json path', async () => {
    const reportPath = join(harness.files, 'report.json');
    const run = await harness.supervisor.startRun('security', {
      paths: [join(project, 'src', 'app.js'), join(project, 'src', 'clean.ts')],
      reportPath,
    });
    const done = await harness.supervisor.waitFor(run.id, FINAL, 90_000);

    expect(done.status, JSON.stringify(done.error)).toBe('completed');
    const report = JSON.parse(readFileSync(reportPath, 'utf8')) as {
      filesScanned: number;
      findings: Array<{ rule: string; line: number }>;
    };
    expect(report.filesScanned).toBe(2);
    expect(report.findings).toEqual([expect.objectContaining({ rule: 'eval-call', line: 2 })]);
  });

  it('refuses a path outside the filesystem roots and writes no report', async () => {
    const reportPath = join(harness.files, 'never.md');
    const run = await harness.supervisor.startRun('security', { paths: ['/etc'], reportPath });
    const done = await harness.supervisor.waitFor(run.id, FINAL, 90_000);

    expect(done.status).toBe('failed');
    expect(done.error).toMatchObject({ code: 'path_refused' });
    expect(done.error?.message).toMatch(/outside the allowed directories/);
    expect(existsSync(reportPath)).toBe(false);
  });
});
