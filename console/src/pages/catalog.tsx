import { useState } from 'preact/hooks';
import { api, message } from '../api';
import { json } from '../format';
import { useData, useEvents } from '../hooks';
import { linkHandler } from '../router';
import { type JsonSchema, SchemaForm } from '../schema-form';
import { useCan } from '../session';

interface Tool {
  name: string;
  server: string;
  description?: string;
  inputSchema: JsonSchema;
  annotations?: Record<string, unknown>;
  available: boolean;
}
interface ContentItem {
  type: string;
  text?: string;
  data?: string;
  mimeType?: string;
}
interface CallResult {
  content?: ContentItem[];
  structuredContent?: unknown;
  isError?: boolean;
}

/** Every tool of the catalog; the selected one with its schema and a form to call it. */
export function CatalogPage({ selected }: { selected: string | undefined }) {
  const tools = useData(() => api<{ tools: Tool[] }>('/v1/tools'), []);
  useEvents('catalog', () => tools.reload());
  const [filter, setFilter] = useState('');
  const list = (tools.data?.tools ?? []).filter((tool) => tool.name.includes(filter.trim()));
  const tool = tools.data?.tools.find((candidate) => candidate.name === selected);
  return (
    <section class="split">
      <div class="list">
        <h1>Catalog</h1>
        <input
          type="search"
          placeholder="Filter tools"
          value={filter}
          onInput={(e) => setFilter(e.currentTarget.value)}
        />
        {tools.error && <p class="error">{tools.error}</p>}
        <ul class="tools">
          {list.map((item) => (
            <li key={item.name} class={item.name === selected ? 'active' : ''}>
              <a href={`/console/catalog/${item.name}`} onClick={linkHandler(`catalog/${item.name}`)}>
                {item.name}
              </a>
              {!item.available && <span class="badge state-stopped">unavailable</span>}
            </li>
          ))}
        </ul>
      </div>
      <div class="detail">
        {tool ? <ToolDetail tool={tool} key={tool.name} /> : <p class="hint">Choose a tool.</p>}
      </div>
    </section>
  );
}

function ToolDetail({ tool }: { tool: Tool }) {
  const canCall = useCan('call');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<CallResult>();
  const [problem, setProblem] = useState<string>();
  const call = (args: Record<string, unknown>) => {
    setBusy(true);
    setProblem(undefined);
    api<{ result: CallResult }>(`/v1/tools/${encodeURIComponent(tool.name)}/call`, {
      method: 'POST',
      body: { arguments: args },
    })
      .then(
        (answer) => setResult(answer.result),
        (failure: unknown) => setProblem(message(failure)),
      )
      .finally(() => setBusy(false));
  };
  return (
    <article>
      <h2>{tool.name}</h2>
      <p>{tool.description ?? 'No description.'}</p>
      <p class="annotations">
        {Object.entries(tool.annotations ?? {}).map(([name, value]) => (
          <span class="badge" key={name}>
            {name}: {String(value)}
          </span>
        ))}
      </p>
      <details>
        <summary>Input schema</summary>
        <pre>{json(tool.inputSchema)}</pre>
      </details>
      {canCall ? (
        <SchemaForm schema={tool.inputSchema} busy={busy} onSubmit={call} />
      ) : (
        <p class="hint">Calling tools needs the call scope.</p>
      )}
      {problem && <p class="error">{problem}</p>}
      {result && <ToolResult result={result} />}
    </article>
  );
}

/** A tool's answer: its text and images, and its structured content. */
export function ToolResult({ result }: { result: CallResult }) {
  return (
    <div class={`result ${result.isError ? 'is-error' : ''}`} data-testid="result">
      <h3>{result.isError ? 'The tool answered with an error' : 'Result'}</h3>
      {(result.content ?? []).map((item, index) =>
        item.type === 'image' && item.data ? (
          <img
            key={index}
            alt="tool result"
            src={`data:${item.mimeType ?? 'image/png'};base64,${item.data}`}
          />
        ) : item.type === 'text' ? (
          <pre key={index}>{item.text}</pre>
        ) : (
          <pre key={index}>{json(item)}</pre>
        ),
      )}
      {result.structuredContent !== undefined && (
        <>
          <h4>Structured content</h4>
          <pre data-testid="structured">{json(result.structuredContent)}</pre>
        </>
      )}
    </div>
  );
}
