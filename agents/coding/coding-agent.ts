import { assign, fromPromise, setup } from 'xstate';
import { z } from 'zod';
import { defineAgent, unprovidedAction, unprovidedActor } from '#runtime/actors';
import { SwitchyardError } from '#core';
import { changeMessages, type FileRead, parseModelChange } from './coding-model.js';
import {
  appendChangelogEntry,
  branchNameFor,
  CHANGELOG,
  type FileChange,
  filesToRead,
  pullRequestBody,
  pullRequestTitle,
  repoSchema,
  splitRepo,
} from './coding-plan.js';
import { callToolData as callTool, errorInfo as errorOf, textOf } from '../agent-steps.js';

/**
 * The coding agent: a request about a GitHub repository becomes a pull request.
 *
 * ANALYSING reads the files concerned on the base branch (github__get_file_contents) →
 * WRITING decides the new contents: the input's `changes` when given; else, with a model, the
 * model's answer (zod-checked); else (offline, or the model's answer unusable) the request is
 * added as an entry of CHANGELOG.md under "## Unreleased" → BRANCHING creates a new branch from
 * the base (github__create_branch) → PUSHING commits the files to it (github__push_files) →
 * OPENING_PR (github__create_pull_request) → DONE with the pull request's number and url.
 */

const MAX_CHARS_KEPT = 20_000;

const changeSchema = z.object({
  path: z
    .string()
    .min(1)
    .max(500)
    .refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), {
      message: 'a path inside the repository, without a leading "/" or ".."',
    }),
  content: z.string().max(1_000_000),
});

export const codingInputSchema = z.strictObject({
  repo: repoSchema,
  base: z.string().min(1).max(250).optional(),
  request: z.string().trim().min(1).max(10_000),
  changes: z
    .array(changeSchema)
    .min(1)
    .max(50)
    .refine((c) => new Set(c.map((f) => f.path)).size === c.length, { message: 'each path may appear once' })
    .optional(),
});
export type CodingInput = z.infer<typeof codingInputSchema>;

type How = 'given' | 'model' | 'changelog';

interface CodingContext {
  owner: string;
  repo: string;
  base?: string;
  request: string;
  given?: FileChange[];
  branch: string;
  files: FileRead[];
  changes: FileChange[];
  how?: How;
  title?: string;
  fromBranch?: string;
  commitSha?: string;
  pullRequest?: { number: number; url: string };
  error?: { code: string; message: string };
}

export type CodingOutput =
  | {
      pullRequest: { number: number; url: string };
      branch: string;
      base: string;
      files: string[];
      how: How;
      commitSha: string;
    }
  | { error: { code: string; message: string } };

/** The statechart alone; its actors come from a run's services (see codingAgent.provide). */
export const codingMachine = setup({
  types: {} as { context: CodingContext; input: CodingInput; output: CodingOutput },
  actors: {
    analyse: unprovidedActor<FileRead[], { owner: string; repo: string; ref?: string; paths: string[] }>(
      'coding',
      'analyse',
    ),
    write: unprovidedActor<
      { changes: FileChange[]; how: How; title: string },
      { owner: string; repo: string; request: string; files: FileRead[]; given?: FileChange[] }
    >('coding', 'write'),
    branch: unprovidedActor<string, { owner: string; repo: string; branch: string; base?: string }>(
      'coding',
      'branch',
    ),
    push: unprovidedActor<
      string,
      { owner: string; repo: string; branch: string; title: string; changes: FileChange[] }
    >('coding', 'push'),
    openPullRequest: unprovidedActor<
      { number: number; url: string },
      { owner: string; repo: string; title: string; head: string; base: string; body: string }
    >('coding', 'openPullRequest'),
  },
  actions: { nameBranch: unprovidedAction('coding', 'nameBranch') },
}).createMachine({
  id: 'coding',
  context: ({ input }) => ({
    ...splitRepo(input.repo),
    ...(input.base ? { base: input.base } : {}),
    request: input.request,
    ...(input.changes ? { given: input.changes } : {}),
    // Named by the nameBranch entry action, which knows the run's id.
    branch: '',
    files: [],
    changes: [],
  }),
  // Runs once, when a run starts (a restored snapshot keeps the name it was given).
  entry: 'nameBranch',
  initial: 'ANALYSING',
  states: {
    ANALYSING: {
      invoke: {
        src: 'analyse',
        input: ({ context }) => ({
          owner: context.owner,
          repo: context.repo,
          ...(context.base ? { ref: context.base } : {}),
          paths: filesToRead(context.request, context.given),
        }),
        onDone: { target: 'WRITING', actions: assign({ files: ({ event }) => event.output }) },
        onError: { target: 'FAILED', actions: assign({ error: ({ event }) => errorOf(event.error) }) },
      },
    },
    WRITING: {
      invoke: {
        src: 'write',
        input: ({ context }) => ({
          owner: context.owner,
          repo: context.repo,
          request: context.request,
          files: context.files,
          ...(context.given ? { given: context.given } : {}),
        }),
        onDone: {
          target: 'BRANCHING',
          // The read contents are not needed any more: keep the snapshot small.
          actions: assign(({ event }) => ({ ...event.output, files: [] })),
        },
        onError: { target: 'FAILED', actions: assign({ error: ({ event }) => errorOf(event.error) }) },
      },
    },
    BRANCHING: {
      invoke: {
        src: 'branch',
        input: ({ context }) => ({
          owner: context.owner,
          repo: context.repo,
          branch: context.branch,
          ...(context.base ? { base: context.base } : {}),
        }),
        onDone: { target: 'PUSHING', actions: assign({ fromBranch: ({ event }) => event.output }) },
        onError: { target: 'FAILED', actions: assign({ error: ({ event }) => errorOf(event.error) }) },
      },
    },
    PUSHING: {
      invoke: {
        src: 'push',
        input: ({ context }) => ({
          owner: context.owner,
          repo: context.repo,
          branch: context.branch,
          title: context.title ?? pullRequestTitle(context.request),
          changes: context.changes,
        }),
        onDone: { target: 'OPENING_PR', actions: assign({ commitSha: ({ event }) => event.output }) },
        onError: { target: 'FAILED', actions: assign({ error: ({ event }) => errorOf(event.error) }) },
      },
    },
    OPENING_PR: {
      invoke: {
        src: 'openPullRequest',
        input: ({ context }) => ({
          owner: context.owner,
          repo: context.repo,
          title: context.title ?? pullRequestTitle(context.request),
          head: context.branch,
          base: context.fromBranch ?? context.base ?? 'main',
          body: pullRequestBody(
            context.request,
            context.changes.map((c) => c.path),
            context.how ?? 'changelog',
          ),
        }),
        onDone: { target: 'DONE', actions: assign({ pullRequest: ({ event }) => event.output }) },
        onError: { target: 'FAILED', actions: assign({ error: ({ event }) => errorOf(event.error) }) },
      },
    },
    DONE: { type: 'final' },
    FAILED: { type: 'final', tags: ['failed'] },
  },
  output: ({ context }): CodingOutput =>
    context.error
      ? { error: context.error }
      : {
          pullRequest: context.pullRequest!,
          branch: context.branch,
          base: context.fromBranch ?? context.base ?? '',
          files: context.changes.map((c) => c.path),
          how: context.how ?? 'changelog',
          commitSha: context.commitSha ?? '',
        },
});

export const codingAgent = defineAgent({
  name: 'coding',
  description:
    'Turns a change request about a GitHub repository into a pull request: reads the files concerned, ' +
    'writes the change (a model, the given contents, or offline a CHANGELOG entry), pushes it to a new ' +
    'branch and opens the pull request.',
  capabilities: ['github.read', 'github.write', 'pull_request', 'llm.optional'],
  version: '1',
  policy: {
    allowTools: [
      'github__get_file_contents',
      'github__create_branch',
      'github__push_files',
      'github__create_pull_request',
    ],
    limits: { maxToolCalls: 20, maxSteps: 50, timeoutMs: 15 * 60_000 },
  },
  input: codingInputSchema,
  machine: codingMachine,
  provide: (services) => ({
    actions: {
      nameBranch: assign({
        branch: ({ context }: { context: CodingContext }) => branchNameFor(context.request, services.runId),
      }),
    },
    actors: {
      analyse: fromPromise<FileRead[], { owner: string; repo: string; ref?: string; paths: string[] }>(
        async ({ input, signal }) => {
          const reads: FileRead[] = [];
          for (const [i, path] of input.paths.entries()) {
            const args = {
              owner: input.owner,
              repo: input.repo,
              path,
              ...(input.ref ? { ref: input.ref } : {}),
            };
            const result = await services.callTool(`analysing/read-${i}`, 'github__get_file_contents', args, {
              signal,
            });
            if (result.isError) {
              // A file the change creates does not exist yet; any other refusal stops the run.
              if (/\b404\b|not found/i.test(textOf(result))) {
                reads.push({ path });
                continue;
              }
              throw new SwitchyardError('tool_failed', `github__get_file_contents failed: ${textOf(result)}`);
            }
            const data = result.structuredContent as { type?: string; encoding?: string; content?: string };
            if (data.type !== 'file')
              throw new SwitchyardError(
                'not_a_file',
                `'${path}' in ${input.owner}/${input.repo} is a ${data.type}`,
              );
            const text = data.encoding === 'utf-8' ? (data.content ?? '') : undefined;
            if (text === undefined)
              throw new SwitchyardError(
                'not_text',
                `'${path}' is not a text file; the agent only edits text`,
              );
            reads.push(
              text.length > MAX_CHARS_KEPT
                ? { path, content: text.slice(0, MAX_CHARS_KEPT), truncated: true }
                : { path, content: text },
            );
          }
          return reads;
        },
      ),
      write: fromPromise<
        { changes: FileChange[]; how: How; title: string },
        { owner: string; repo: string; request: string; files: FileRead[]; given?: FileChange[] }
      >(async ({ input, signal }) => {
        let picked: { changes: FileChange[]; how: How; title?: string } | undefined;
        if (input.given) picked = { changes: input.given, how: 'given' };
        else if (services.hasModel) {
          const response = await services.chat('writing/model', {
            messages: changeMessages(`${input.owner}/${input.repo}`, input.request, input.files),
            signal,
          });
          const answer = parseModelChange(response.message.content);
          if ('change' in answer) {
            picked = {
              changes: answer.change.files,
              how: 'model',
              ...(answer.change.title ? { title: answer.change.title } : {}),
            };
          } else services.emit('model_answer_rejected', { problem: answer.problem });
        }
        if (!picked) {
          const changelog = input.files.find((f) => f.path === CHANGELOG);
          if (changelog?.truncated)
            throw new SwitchyardError('file_too_large', `${CHANGELOG} is too large to edit offline`);
          picked = {
            changes: [{ path: CHANGELOG, content: appendChangelogEntry(changelog?.content, input.request) }],
            how: 'changelog',
          };
        }
        // A file given with the content it already has is no change: pushing it makes an empty commit.
        const changes = picked.changes.filter(
          (c) => !input.files.some((f) => f.path === c.path && !f.truncated && f.content === c.content),
        );
        if (changes.length === 0)
          throw new SwitchyardError('no_change', 'every file already has the requested content');
        return { changes, how: picked.how, title: picked.title ?? pullRequestTitle(input.request) };
      }),
      branch: fromPromise<string, { owner: string; repo: string; branch: string; base?: string }>(
        async ({ input, signal }) => {
          const data = await callTool(
            services,
            'branching/create',
            'github__create_branch',
            {
              owner: input.owner,
              repo: input.repo,
              branch: input.branch,
              ...(input.base ? { from_branch: input.base } : {}),
            },
            signal,
          );
          return String(data.from_branch);
        },
      ),
      push: fromPromise<
        string,
        { owner: string; repo: string; branch: string; title: string; changes: FileChange[] }
      >(async ({ input, signal }) => {
        const data = await callTool(
          services,
          'pushing/commit',
          'github__push_files',
          {
            owner: input.owner,
            repo: input.repo,
            branch: input.branch,
            message: input.title,
            files: input.changes,
          },
          signal,
        );
        return String(data.commit_sha);
      }),
      openPullRequest: fromPromise<
        { number: number; url: string },
        { owner: string; repo: string; title: string; head: string; base: string; body: string }
      >(async ({ input, signal }) => {
        const data = await callTool(
          services,
          'opening-pr/create',
          'github__create_pull_request',
          { ...input },
          signal,
        );
        return { number: Number(data.number), url: String(data.html_url) };
      }),
    },
  }),
});
