import { posix } from 'node:path';
import { assign, fromPromise, setup } from 'xstate';
import { z } from 'zod';
import { defineAgent, type RunServices, unprovidedActor } from '#runtime/actors';
import { type ReportData, renderReport, reportFormat } from './security-report.js';
import { checkFile, countBySeverity, type Finding, type Severity, sortFindings } from './security-rules.js';
import { callToolData, errorInfo as errorOf } from '../agent-steps.js';

/**
 * The security agent: scans files through the filesystem server for leaked secrets and risky code.
 *
 * SCANNING finds the files: filesystem__get_file_info on each path, filesystem__directory_tree on
 * a directory (node_modules and .git left out); a path outside the server's roots is refused there,
 * and the run fails with code `path_refused` → CHECKING reads the files in batches
 * (filesystem__read_multiple_files) and applies the rules of security-rules.ts, keeping only the
 * findings (file contents stay in the effects journal, out of the snapshot) → REPORTING writes the
 * report to `reportPath` (filesystem__write_file; JSON for a .json path, Markdown otherwise;
 * secrets masked) → DONE with the counts. No model: the rules are deterministic and auditable.
 */

const BATCH = 20;
const MAX_FINDINGS_KEPT = 1000;

export const securityInputSchema = z.strictObject({
  paths: z.array(z.string().min(1).max(4096)).min(1).max(20),
  reportPath: z.string().min(1).max(4096),
  /** Files scanned at most; the rest are listed as not scanned. @defaultValue 500 */
  maxFiles: z.number().int().min(1).max(5000).default(500),
});
export type SecurityInput = z.infer<typeof securityInputSchema>;

interface Scanned {
  files: string[];
  skipped: ReportData['skipped'];
}

interface Checked {
  findings: Finding[];
  skipped: ReportData['skipped'];
  filesScanned: number;
  generatedAt: string;
}

interface SecurityContext {
  paths: string[];
  reportPath: string;
  maxFiles: number;
  scanned?: Scanned;
  checked?: Checked;
  error?: { code: string; message: string };
}

export type SecurityOutput =
  | {
      reportPath: string;
      filesScanned: number;
      counts: Record<Severity, number>;
      /** The worst findings (at most 20); the report has them all. */
      findings: Finding[];
    }
  | { error: { code: string; message: string } };

/** The filesystem server's guard answers "access denied: '<path>' is outside the allowed directories". */
const classifyFsError = (text: string) =>
  /access denied|outside the allowed/i.test(text) ? 'path_refused' : undefined;

function callTool(
  services: RunServices,
  key: string,
  name: string,
  args: Record<string, unknown>,
  signal: AbortSignal,
): Promise<Record<string, unknown>> {
  return callToolData(services, key, name, args, signal, classifyFsError);
}

interface TreeNode {
  name: string;
  type: string;
  children?: TreeNode[];
}

function filesOfTree(base: string, nodes: TreeNode[], into: string[]): void {
  for (const node of nodes) {
    const path = posix.join(base, node.name);
    if (node.type === 'file') into.push(path);
    else if (node.type === 'directory' && node.children) filesOfTree(path, node.children, into);
  }
}

/** The statechart alone; its actors come from a run's services (see securityAgent.provide). */
export const securityMachine = setup({
  types: {} as { context: SecurityContext; input: SecurityInput; output: SecurityOutput },
  actors: {
    scan: unprovidedActor<Scanned, { paths: string[]; reportPath: string; maxFiles: number }>(
      'security',
      'scan',
    ),
    check: unprovidedActor<Checked, { files: string[] }>('security', 'check'),
    report: unprovidedActor<void, { reportPath: string; data: ReportData }>('security', 'report'),
  },
}).createMachine({
  id: 'security',
  context: ({ input }) => ({
    paths: input.paths,
    reportPath: input.reportPath,
    maxFiles: input.maxFiles,
  }),
  initial: 'SCANNING',
  states: {
    SCANNING: {
      invoke: {
        src: 'scan',
        input: ({ context }) => ({
          paths: context.paths,
          reportPath: context.reportPath,
          maxFiles: context.maxFiles,
        }),
        onDone: { target: 'CHECKING', actions: assign({ scanned: ({ event }) => event.output }) },
        onError: { target: 'FAILED', actions: assign({ error: ({ event }) => errorOf(event.error) }) },
      },
    },
    CHECKING: {
      invoke: {
        src: 'check',
        input: ({ context }) => ({ files: context.scanned!.files }),
        onDone: { target: 'REPORTING', actions: assign({ checked: ({ event }) => event.output }) },
        onError: { target: 'FAILED', actions: assign({ error: ({ event }) => errorOf(event.error) }) },
      },
    },
    REPORTING: {
      invoke: {
        src: 'report',
        input: ({ context }) => ({
          reportPath: context.reportPath,
          data: {
            paths: context.paths,
            filesScanned: context.checked!.filesScanned,
            skipped: [...context.scanned!.skipped, ...context.checked!.skipped],
            findings: context.checked!.findings,
            generatedAt: context.checked!.generatedAt,
          },
        }),
        onDone: { target: 'DONE' },
        onError: { target: 'FAILED', actions: assign({ error: ({ event }) => errorOf(event.error) }) },
      },
    },
    DONE: { type: 'final' },
    FAILED: { type: 'final', tags: ['failed'] },
  },
  output: ({ context }): SecurityOutput =>
    context.error
      ? { error: context.error }
      : {
          reportPath: context.reportPath,
          filesScanned: context.checked!.filesScanned,
          counts: countBySeverity(context.checked!.findings),
          findings: context.checked!.findings.slice(0, 20),
        },
});

export const securityAgent = defineAgent({
  name: 'security',
  description:
    'Scans files and directories (through the filesystem server) for leaked secrets — AWS keys, private ' +
    'keys, tokens, passwords in configuration — and risky code such as eval(), and writes a report.',
  capabilities: ['filesystem.read', 'filesystem.write', 'secret_scanning'],
  version: '1',
  policy: {
    allowTools: [
      'filesystem__get_file_info',
      'filesystem__directory_tree',
      'filesystem__read_multiple_files',
      'filesystem__write_file',
    ],
    limits: { maxToolCalls: 100, maxSteps: 30, timeoutMs: 15 * 60_000 },
  },
  input: securityInputSchema,
  machine: securityMachine,
  provide: (services) => ({
    actors: {
      scan: fromPromise<Scanned, { paths: string[]; reportPath: string; maxFiles: number }>(
        async ({ input, signal }) => {
          const found: string[] = [];
          for (const [i, path] of input.paths.entries()) {
            const info = await callTool(
              services,
              `scanning/info-${i}`,
              'filesystem__get_file_info',
              { path },
              signal,
            );
            if (info.type === 'file') found.push(path);
            else if (info.type === 'directory') {
              const tree = await callTool(
                services,
                `scanning/tree-${i}`,
                'filesystem__directory_tree',
                { path, excludePatterns: ['node_modules', '.git'] },
                signal,
              );
              filesOfTree(path, (tree.tree ?? []) as TreeNode[], found);
            }
          }
          // The report of an earlier scan is not scanned: it quotes (masked) findings.
          const report = posix.normalize(input.reportPath);
          const unique = [...new Set(found)].filter((f) => posix.normalize(f) !== report);
          return {
            files: unique.slice(0, input.maxFiles),
            skipped: unique.slice(input.maxFiles).map((file) => ({ file, reason: 'over maxFiles' })),
          };
        },
      ),
      check: fromPromise<Checked, { files: string[] }>(async ({ input, signal }) => {
        const findings: Finding[] = [];
        const skipped: ReportData['skipped'] = [];
        let filesScanned = 0;
        for (let start = 0; start < input.files.length; start += BATCH) {
          const paths = input.files.slice(start, start + BATCH);
          const data = await callTool(
            services,
            `checking/read-${start / BATCH}`,
            'filesystem__read_multiple_files',
            { paths },
            signal,
          );
          for (const file of (data.files ?? []) as Array<{
            path: string;
            content?: string;
            error?: string;
          }>) {
            if (file.content === undefined)
              skipped.push({ file: file.path, reason: file.error ?? 'unreadable' });
            else if (file.content.includes('\u0000'))
              skipped.push({ file: file.path, reason: 'not a text file' });
            else {
              filesScanned++;
              findings.push(...checkFile(file.path, file.content));
            }
          }
        }
        return {
          findings: sortFindings(findings).slice(0, MAX_FINDINGS_KEPT),
          skipped,
          filesScanned,
          generatedAt: new Date(services.now()).toISOString(),
        };
      }),
      report: fromPromise<void, { reportPath: string; data: ReportData }>(async ({ input, signal }) => {
        const content = renderReport(input.data, reportFormat(input.reportPath));
        await callTool(
          services,
          'reporting/write',
          'filesystem__write_file',
          { path: input.reportPath, content },
          signal,
        );
      }),
    },
  }),
});
