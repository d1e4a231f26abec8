import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  type AgentDefinition,
  type DefinedAgent,
  describeMachine,
  RUN_STATUSES,
  type RunEvent,
  type RunRecord,
} from '#runtime/actors';
import { httpStatusOf, SwitchyardError, type Logger } from '#core';
import { TaskSpecSchema } from '#runtime/queue';
import type { DeadLetter, TaskService, TaskStatus } from '#bridge/tasks';
import {
  type Disclosure,
  discloseApproval,
  discloseEventData,
  disclosureFor,
  fieldMatcher,
} from '#bridge/access';
import { ERROR_BODY_SCHEMA, sendError, sendSwitchyardError } from './error-replies.js';

/** The body of approve / reject. */
export const DecisionBodySchema = z.strictObject({ reason: z.string().min(1).max(2000).optional() });

const APPROVAL_STATES = ['pending', 'approved', 'rejected', 'expired'] as const;

const ApprovalsQuerySchema = z.strictObject({
  state: z.enum(APPROVAL_STATES).optional(),
  runId: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

const RunsQuerySchema = z.strictObject({
  /** One status or several, comma-separated (`?state=completed,failed`). */
  state: z
    .string()
    .transform((text) => text.split(',').map((part) => part.trim()))
    .pipe(z.array(z.enum(RUN_STATUSES)).min(1))
    .optional(),
  agent: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

const TaskQuerySchema = z.strictObject({
  afterSeq: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).optional(),
});

const FailedQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

const CancelBodySchema = z.strictObject({ reason: z.string().min(1).max(2000).optional() });

const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, ERROR_BODY_SCHEMA]));
const idParam = { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } as const;
const openapi = (schema: z.ZodType) => z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input' });

/** Who is acting: the key's name, or `anonymous` on an open (loopback, keyless) API. */
const actor = (request: FastifyRequest): string => request.caller?.name ?? 'anonymous';

/**
 * The task service's refusals, answered with their own code (its status from httpStatusOf, as on
 * every other front). A code that answers 5xx other than `queue_unavailable` is rethrown to the
 * 500 handler, which logs it and answers `internal` without its text (SQL, paths).
 */
function sendServiceError(reply: FastifyReply, error: unknown): FastifyReply {
  if (
    error instanceof SwitchyardError &&
    (httpStatusOf(error.code) < 500 || error.code === 'queue_unavailable')
  )
    return sendSwitchyardError(reply, error);
  throw error;
}

/** A zod failure as `validation_failed` naming the first bad field. */
function sendInvalid(reply: FastifyReply, what: string, error: z.ZodError): FastifyReply {
  const issue = error.issues[0];
  const path =
    issue?.code === 'unrecognized_keys' ? [...issue.path, issue.keys.join(',')] : (issue?.path ?? []);
  const field = path.map(String).join('.') || '(top level)';
  return sendError(reply, 'validation_failed', `invalid ${what}: ${field}: ${issue?.message ?? 'invalid'}`, {
    field,
    issues: error.issues.map((i) => ({ field: i.path.map(String).join('.'), message: i.message })),
  });
}

const eventView = (event: RunEvent, disclosure: Disclosure) => ({
  seq: event.seq,
  type: event.type,
  data: discloseEventData(event.data, disclosure),
  at: event.at.toISOString(),
});

/** A run in listings: everything but its snapshot-sized parts (state value, input, output). */
const runSummary = (run: RunRecord) => ({
  runId: run.id,
  agent: run.agent,
  agentVersion: run.agentVersion,
  status: run.status,
  requestedBy: run.requestedBy ?? null,
  parentId: run.parentId ?? null,
  steps: run.steps,
  restarts: run.restarts,
  cost: run.usage,
  error: run.error ?? null,
  createdAt: run.createdAt.toISOString(),
  updatedAt: run.updatedAt.toISOString(),
  finishedAt: run.finishedAt?.toISOString() ?? null,
});

/**
 * The reply of GET /v1/tasks/{id} (and of DELETE): the queue's and the run's view in one, its
 * events' tool arguments redacted and their result previews shown only as `disclosure` allows.
 */
export function taskView(status: TaskStatus, disclosure: Disclosure) {
  const { task, run } = status;
  return {
    runId: status.runId,
    agent: run?.agent ?? task?.agent ?? null,
    /** The queue state (waiting, delayed, active, completed, failed), null once the queue forgot it. */
    state: task?.state ?? null,
    /** The run status (running, awaiting_approval, completed, …), null until a worker started it. */
    status: run?.status ?? null,
    /** The statechart's state value as last persisted (`{ review: 'compliance' }`), null before a worker started it. */
    stateValue: run?.stateValue ?? null,
    result: run?.output ?? null,
    error: run?.error ?? (task?.failedReason ? { code: 'task_failed', message: task.failedReason } : null),
    cost: run?.usage ?? null,
    attemptsMade: task?.attemptsMade ?? null,
    requestedBy: run?.requestedBy ?? null,
    submittedAt: task?.submittedAt.toISOString() ?? null,
    finishedAt: run?.finishedAt?.toISOString() ?? task?.finishedAt?.toISOString() ?? null,
    events: status.events.map((event) => eventView(event, disclosure)),
  };
}

/** A dead letter in GET /v1/tasks/failed: the queue's record, and its run's status and error. */
const deadLetterView = ({ task, run }: DeadLetter) => ({
  runId: task.runId,
  agent: task.agent,
  attemptsMade: task.attemptsMade,
  failedReason: task.failedReason ?? null,
  submittedAt: task.submittedAt.toISOString(),
  finishedAt: task.finishedAt?.toISOString() ?? null,
  /** The run's status, null when the task failed before its run started. */
  status: run?.status ?? null,
  error: run?.error ?? null,
});

/** An agent written with defineAgent: its machine can be read without services. */
const isDefinedAgent = (agent: AgentDefinition): agent is DefinedAgent =>
  'machine' in agent && typeof (agent as { machine?: unknown }).machine === 'object';

const agentView = (agent: AgentDefinition) => ({
  name: agent.name,
  description: agent.description,
  capabilities: agent.capabilities,
  version: agent.version,
  model: agent.model ?? null,
});

/**
 * The agent-work routes over a {@link TaskService}. Scopes: `read` for every GET, `call` to submit,
 * cancel and retry tasks, `admin` to approve or reject (a decision lets a run do what its policy gates,
 * so it takes more than the right to start one).
 */
export function registerTaskRoutes(
  app: FastifyInstance,
  tasks: TaskService,
  options: { log: Logger; redact: readonly string[] },
): void {
  const { log } = options;
  const redact = fieldMatcher(options.redact);
  // What the request's key may see of tool calls inside runs (a `read` key: no result previews).
  const disclosure = (request: FastifyRequest): Disclosure =>
    disclosureFor(request.caller?.scopes ?? new Set(), redact);
  app.post(
    '/v1/tasks',
    {
      config: { scope: 'call' },
      schema: {
        summary: 'Submit a task: queue a run of an agent',
        description:
          'Answers 202 {runId, created, status} at once; `status` is the URL to poll. A task with an ' +
          'idempotencyKey already submitted answers the same runId with created: false. `requestedBy` ' +
          'is the API key’s name. An agent that fans out (account-review-batch) also answers `children`, ' +
          'the run ids of the child runs it queued first.',
        tags: ['tasks'],
        body: openapi(TaskSpecSchema.omit({ requestedBy: true })),
        response: {
          202: {
            type: 'object',
            properties: {
              runId: { type: 'string' },
              created: { type: 'boolean' },
              status: { type: 'string' },
              // Only for an agent that fans out (account-review-batch): its children's run ids.
              children: { type: 'array', items: { type: 'string' } },
            },
          },
          ...errors(400, 401, 403, 404, 413, 429),
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      if (typeof body !== 'object' || body === null || Array.isArray(body))
        return sendError(
          reply,
          'validation_failed',
          'invalid task spec: (top level): expected a JSON object',
          {
            field: '(top level)',
          },
        );
      if ('requestedBy' in body)
        return sendError(
          reply,
          'validation_failed',
          'invalid task spec: requestedBy: set from the API key, not the body',
          {
            field: 'requestedBy',
          },
        );
      try {
        // Security: requestedBy comes from the key, so a caller cannot submit in another's name.
        const spec = request.apiKey ? { ...body, requestedBy: request.apiKey.name } : body;
        const submitted = await tasks.submit(spec);
        const status = `/v1/tasks/${encodeURIComponent(submitted.runId)}`;
        log.info(
          { runId: submitted.runId, created: submitted.created, key: request.apiKey?.name },
          'task submitted',
        );
        return await reply
          .code(202)
          .header('location', status)
          .send({ ...submitted, status });
      } catch (error) {
        return sendServiceError(reply, error);
      }
    },
  );

  // A static path: find-my-way matches it before the parametric /v1/tasks/:id below.
  app.get(
    '/v1/tasks/failed',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Dead letters: tasks that failed every attempt, newest first',
        description:
          'At most `limit` (1..1000, default 100). Each names its agent, attempts, the last failure ' +
          '(`failedReason`) and, when its run started, the run’s `status` and `error` (null otherwise: ' +
          'the task failed before its run started).',
        tags: ['tasks'],
        querystring: openapi(FailedQuerySchema),
        response: errors(400, 401, 403),
      },
    },
    async (request, reply) => {
      const query = FailedQuerySchema.safeParse(request.query);
      if (!query.success) return sendInvalid(reply, 'query', query.error);
      return { tasks: (await tasks.listFailed(query.data.limit)).map(deadLetterView) };
    },
  );

  app.post<{ Params: { id: string } }>(
    '/v1/tasks/:id/retry',
    {
      config: { scope: 'call' },
      schema: {
        summary: 'Retry a dead letter: run a failed task again',
        description:
          'Answers 202 with the task as GET does; its attempts start over. A task that failed before ' +
          'its run started starts it; a run that is not final (its attempts timed out or stalled) ' +
          'resumes from its snapshot. 409 when the task is not a dead letter, or when its run is final ' +
          '(a failed run would only fail again: submit the task anew). 404 when no such task or run exists.',
        tags: ['tasks'],
        params: idParam,
        response: errors(401, 403, 404, 409),
      },
    },
    async (request, reply) => {
      const runId = request.params.id;
      try {
        const status = await tasks.retry(runId, actor(request));
        log.info({ runId, key: request.apiKey?.name }, 'task retried');
        return await reply.code(202).send(taskView(status, disclosure(request)));
      } catch (error) {
        return sendServiceError(reply, error);
      }
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/tasks/:id',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'A task: queue state, run status, result, error, cost and events',
        description: 'Events after `afterSeq` (0 for all), at most `limit`.',
        tags: ['tasks'],
        params: idParam,
        querystring: openapi(TaskQuerySchema),
        response: errors(400, 401, 403, 404),
      },
    },
    async (request, reply) => {
      const query = TaskQuerySchema.safeParse(request.query);
      if (!query.success) return sendInvalid(reply, 'query', query.error);
      try {
        return taskView(await tasks.status(request.params.id, query.data), disclosure(request));
      } catch (error) {
        return sendServiceError(reply, error);
      }
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/tasks/:id',
    {
      config: { scope: 'call' },
      schema: {
        summary: 'Cancel a task',
        description:
          'A task still queued is removed; a running or parked run is cancelled, its in-flight tool call ' +
          'aborted (the upstream MCP server receives notifications/cancelled). A run already final is left ' +
          'as it is. Answers the task as GET does. Optional body {reason}.',
        tags: ['tasks'],
        params: idParam,
        body: openapi(CancelBodySchema),
        response: errors(400, 401, 403, 404),
      },
    },
    async (request, reply) => {
      const body = CancelBodySchema.safeParse(request.body ?? {});
      if (!body.success) return sendInvalid(reply, 'body', body.error);
      try {
        const status = await tasks.cancel(request.params.id, actor(request), body.data.reason);
        log.info({ runId: request.params.id, key: request.apiKey?.name }, 'task cancelled');
        return taskView(status, disclosure(request));
      } catch (error) {
        return sendServiceError(reply, error);
      }
    },
  );

  for (const verdict of ['approve', 'reject'] as const) {
    app.post<{ Params: { id: string } }>(
      `/v1/runs/:id/${verdict}`,
      {
        config: { scope: 'admin' },
        schema: {
          summary:
            verdict === 'approve'
              ? 'Approve the pending approval of a run'
              : 'Reject the pending approval of a run',
          description:
            'Answers {approval}. decidedBy is the API key’s name. 409 run_state_invalid when the run has no pending approval, 404 when there is no such run.',
          tags: ['runs'],
          params: idParam,
          body: openapi(DecisionBodySchema),
          response: errors(400, 401, 403, 404, 409),
        },
      },
      async (request, reply) => {
        const body = DecisionBodySchema.safeParse(request.body ?? {});
        if (!body.success) return sendInvalid(reply, 'body', body.error);
        const runId = request.params.id;
        const decision = {
          decidedBy: actor(request),
          ...(body.data.reason === undefined ? {} : { reason: body.data.reason }),
        };
        try {
          const approval =
            verdict === 'approve'
              ? await tasks.approve(runId, decision)
              : await tasks.reject(runId, decision);
          log.info({ runId, approvalId: approval.id, verdict, key: request.apiKey?.name }, 'run decided');
          return { approval: discloseApproval(approval, disclosure(request)) };
        } catch (error) {
          // not_found for no such run, run_state_invalid (409) for one with nothing pending.
          return sendServiceError(reply, error);
        }
      },
    );
  }

  app.get(
    '/v1/approvals',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Approvals, by state (pending, approved, rejected, expired) and run',
        tags: ['runs'],
        querystring: openapi(ApprovalsQuerySchema),
        response: errors(400, 401, 403),
      },
    },
    async (request, reply) => {
      const query = ApprovalsQuerySchema.safeParse(request.query);
      if (!query.success) return sendInvalid(reply, 'query', query.error);
      const approvals = await tasks.listApprovals(query.data);
      return { approvals: approvals.map((approval) => discloseApproval(approval, disclosure(request))) };
    },
  );

  app.get(
    '/v1/agents',
    {
      config: { scope: 'read' },
      schema: { summary: 'The agents tasks can run', tags: ['runs'], response: errors(401, 403) },
    },
    async () => ({ agents: tasks.listAgents().map(agentView) }),
  );

  app.get<{ Params: { name: string } }>(
    '/v1/agents/:name/machine',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'An agent’s statechart: its states, their tags and transitions, from the machine definition',
        description:
          'Answers {agent, version, machine}: machine is the root state node, each node {id, key, type, tags, ' +
          'initial?, transitions: [{event, targets, guard?}], states}. A run’s `state_entered` events and its ' +
          'state value name these nodes. 404 for no such agent, or one defined without a readable machine.',
        tags: ['runs'],
        params: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
        response: errors(401, 403, 404),
      },
    },
    async (request, reply) => {
      const agent = tasks.listAgents().find((candidate) => candidate.name === request.params.name);
      if (!agent) return sendError(reply, 'not_found', `no agent '${request.params.name}'`);
      if (!isDefinedAgent(agent))
        return sendError(
          reply,
          'not_found',
          `agent '${agent.name}' has no machine to show (not written with defineAgent)`,
        );
      return { agent: agent.name, version: agent.version, machine: describeMachine(agent.machine) };
    },
  );

  app.get(
    '/v1/runs',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Runs, by status (`state`, comma-separated) and agent',
        tags: ['runs'],
        querystring: openapi(RunsQuerySchema),
        response: errors(400, 401, 403),
      },
    },
    async (request, reply) => {
      const query = RunsQuerySchema.safeParse(request.query);
      if (!query.success) return sendInvalid(reply, 'query', query.error);
      const { state, ...rest } = query.data;
      const runs = await tasks.listRuns({ ...rest, ...(state === undefined ? {} : { status: state }) });
      return { runs: runs.map(runSummary) };
    },
  );
}
