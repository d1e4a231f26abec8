import { isDeepStrictEqual } from 'node:util';
import { type Command, InvalidArgumentError } from 'commander';
import { z } from 'zod';
import { addApiOptions, type ApiCommandOptions, apiClientFor } from './api-client.js';

/**
 * What `POST /v1/tools/{name}/call` answers: `{result: CallToolResult}`. Checked loosely, not
 * with the SDK's schema, so a content type newer than this command is shown as a placeholder
 * instead of failing the whole answer.
 */
const CallReplySchema = z.object({
  result: z.looseObject({
    content: z.array(z.looseObject({ type: z.string() })).default([]),
    structuredContent: z.unknown().optional(),
    isError: z.boolean().optional(),
  }),
});

type CallResult = z.infer<typeof CallReplySchema>['result'];
type Content = CallResult['content'][number];

interface CallOptions extends ApiCommandOptions {
  args: Record<string, unknown>;
  json?: boolean;
}

/**
 * `switchyard call <tool> [--args '{"k": 1}'] [--json]`: calls a tool through a running bridge's
 * API and prints its result. Exits 1 when the tool answers with `isError` (its text goes to
 * stderr) or the call fails; bad `--args` are refused by the option parser, before any request.
 */
export function registerCallCommand(program: Command): void {
  addApiOptions(
    program
      .command('call')
      .description('call a tool through a running bridge (switchyard start) and print its result')
      .argument('<tool>', 'the tool, named as `switchyard tools` lists it (server__tool)')
      .option('--args <json>', 'the arguments, as a JSON object', jsonObject, {})
      .option('--json', 'print the whole result (content, structuredContent, isError) as JSON'),
    // Longer than the bridge's own call timeout (60 s by default), so its 504 says what timed out.
    120_000,
  ).action(async (tool: string, options: CallOptions, command: Command) => {
    const { result } = await apiClientFor(command, options).post(
      `/v1/tools/${encodeURIComponent(tool)}/call`,
      { arguments: options.args },
      CallReplySchema,
    );
    if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else (result.isError ? process.stderr : process.stdout).write(formatResult(result));
    if (result.isError) process.exitCode = 1;
  });
}

/**
 * The result for a reader: each content item on its own line(s), then structuredContent as
 * JSON unless a text item already is that JSON (the SDK's convention for older clients).
 */
export function formatResult(result: CallResult): string {
  const lines = result.content.map(describeContent);
  const structured = result.structuredContent;
  if (structured !== undefined && !result.content.some((item) => textIsJsonOf(item, structured)))
    lines.push(JSON.stringify(structured, null, 2));
  return lines.map((line) => (line.endsWith('\n') ? line : `${line}\n`)).join('');
}

function describeContent(item: Content): string {
  const field = (name: string) => (typeof item[name] === 'string' ? (item[name] as string) : undefined);
  switch (item.type) {
    case 'text':
      return field('text') ?? '';
    case 'image':
    case 'audio':
      return `[${item.type} ${field('mimeType') ?? ''}, ${base64Size(field('data'))}; use --json for the data]`;
    case 'resource': {
      const resource = z
        .looseObject({ uri: z.string(), mimeType: z.string().optional(), text: z.string().optional() })
        .safeParse(item.resource);
      if (!resource.success) return '[resource]';
      return resource.data.text ?? `[resource ${resource.data.uri}; use --json for its content]`;
    }
    case 'resource_link':
      return `[resource link ${field('uri') ?? ''}]`;
    default:
      return `[${item.type} content; use --json to see it]`;
  }
}

function textIsJsonOf(item: Content, value: unknown): boolean {
  if (item.type !== 'text' || typeof item.text !== 'string') return false;
  try {
    return isDeepStrictEqual(JSON.parse(item.text), value);
  } catch {
    // Text that is not JSON is not a copy of structuredContent.
    return false;
  }
}

function base64Size(data: string | undefined): string {
  const bytes = Math.floor(((data?.length ?? 0) * 3) / 4);
  return bytes < 1024 ? `${bytes} bytes` : `${Math.round(bytes / 1024)} KiB`;
}

function jsonObject(value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new InvalidArgumentError(`--args is not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new InvalidArgumentError(
      `--args must be a JSON object such as '{"text": "hi"}', got ${Array.isArray(parsed) ? 'an array' : parsed === null ? 'null' : typeof parsed}`,
    );
  return parsed as Record<string, unknown>;
}
