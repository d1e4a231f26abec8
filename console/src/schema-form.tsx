import { useState } from 'preact/hooks';

/** The part of JSON Schema a tool's inputSchema uses that the form understands. */
export interface JsonSchema {
  type?: string | string[];
  description?: string;
  enum?: unknown[];
  default?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
}

type Values = Record<string, string | boolean>;

const kindOf = (schema: JsonSchema): string => {
  if (schema.enum) return 'enum';
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  return type ?? 'json';
};

/**
 * A form generated from a tool's input schema: a field per property (text, number, checkbox,
 * choice; JSON text for objects and arrays). Empty optional fields are left out of the arguments.
 * Throws from `toArguments` with the field's name when a value does not parse.
 */
export function SchemaForm({
  schema,
  busy,
  onSubmit,
}: {
  schema: JsonSchema;
  busy: boolean;
  onSubmit: (args: Record<string, unknown>) => void;
}) {
  const properties = Object.entries(schema.properties ?? {});
  const required = new Set(schema.required ?? []);
  const [values, setValues] = useState<Values>({});
  const [problem, setProblem] = useState<string>();
  const set = (name: string, value: string | boolean) => setValues({ ...values, [name]: value });
  const submit = (event: Event) => {
    event.preventDefault();
    try {
      setProblem(undefined);
      onSubmit(toArguments(properties, values));
    } catch (error) {
      setProblem((error as Error).message);
    }
  };
  return (
    <form class="schema-form" onSubmit={submit}>
      {properties.length === 0 && <p class="hint">This tool takes no arguments.</p>}
      {properties.map(([name, property]) => {
        const kind = kindOf(property);
        const id = `arg-${name}`;
        const value = values[name];
        return (
          <div class="field" key={name}>
            <label for={id}>
              {name}
              {required.has(name) && <span class="required"> *</span>} <small>{kind}</small>
            </label>
            {kind === 'boolean' ? (
              <input
                id={id}
                name={name}
                type="checkbox"
                checked={value === true}
                onChange={(e) => set(name, e.currentTarget.checked)}
              />
            ) : kind === 'enum' ? (
              <select
                id={id}
                name={name}
                value={String(value ?? '')}
                onChange={(e) => set(name, e.currentTarget.value)}
              >
                <option value="">—</option>
                {property.enum!.map((option) => (
                  <option value={String(option)} key={String(option)}>
                    {String(option)}
                  </option>
                ))}
              </select>
            ) : kind === 'object' || kind === 'array' || kind === 'json' ? (
              <textarea
                id={id}
                name={name}
                rows={3}
                placeholder="JSON"
                value={String(value ?? '')}
                onInput={(e) => set(name, e.currentTarget.value)}
              />
            ) : kind === 'number' || kind === 'integer' ? (
              <input
                id={id}
                name={name}
                type="number"
                step={kind === 'integer' ? 1 : 'any'}
                required={required.has(name)}
                value={String(value ?? '')}
                onInput={(e) => set(name, e.currentTarget.value)}
              />
            ) : (
              <input
                id={id}
                name={name}
                type="text"
                required={required.has(name)}
                value={String(value ?? '')}
                onInput={(e) => set(name, e.currentTarget.value)}
              />
            )}
            {property.description && <small class="hint">{property.description}</small>}
          </div>
        );
      })}
      {problem && <p class="error">{problem}</p>}
      <button type="submit" disabled={busy}>
        Call
      </button>
    </form>
  );
}

function toArguments(properties: Array<[string, JsonSchema]>, values: Values): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const [name, property] of properties) {
    const value = values[name];
    if (value === undefined || value === '') continue;
    const kind = kindOf(property);
    if (kind === 'boolean') args[name] = value;
    else if (kind === 'number' || kind === 'integer') args[name] = Number(value);
    else if (kind === 'enum') args[name] = property.enum!.find((option) => String(option) === value);
    else if (kind === 'string') args[name] = value;
    else
      try {
        args[name] = JSON.parse(String(value));
      } catch {
        throw new Error(`${name}: not valid JSON`);
      }
  }
  return args;
}
