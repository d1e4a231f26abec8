import { UriTemplate } from '@modelcontextprotocol/server';
import type { Prompt, Resource, ResourceTemplateType, Tool } from '@modelcontextprotocol/server';
import type {
  Availability,
  CatalogCollision,
  CatalogPrompt,
  CatalogResource,
  CatalogResourceTemplate,
  CatalogTool,
  CollisionKind,
  ServerCatalogOptions,
} from './catalog-entries.js';
import {
  aliasedName,
  compileNameFilter,
  EXPOSED_NAME,
  exposedName,
  findCollisions,
  type NameSource,
} from './tool-names.js';

/** One source of the merge: an upstream's cached lists, or a local tool provider's tools. */
export interface SourceSnapshot {
  server: string;
  local: boolean;
  options: ServerCatalogOptions;
  availability: Availability;
  tools: readonly Tool[];
  resources: readonly Resource[];
  templates: readonly ResourceTemplateType[];
  prompts: readonly Prompt[];
}

export interface MergedTemplate extends CatalogResourceTemplate {
  /** Undefined when the upstream's template does not parse: listed, but routes nothing. */
  matcher: UriTemplate | undefined;
  /** Why it does not parse, for the log. */
  invalid?: string;
}

export interface MergedCatalog {
  tools: Map<string, CatalogTool>;
  resources: Map<string, CatalogResource>;
  templates: MergedTemplate[];
  prompts: Map<string, CatalogPrompt>;
  collisions: CatalogCollision[];
}

/**
 * Merges sources into one catalog. Sources are taken in the order given (the catalog passes
 * local providers first, then upstreams by name), and within a source in the upstream's order;
 * on a collision the first claimant is listed and the others are left out, never renamed.
 * A name is a function of its own server, tool and options only, so it does not depend on which
 * other sources are present.
 */
export function mergeCatalog(sources: readonly SourceSnapshot[]): MergedCatalog {
  const tools: CatalogTool[] = [];
  const prompts: CatalogPrompt[] = [];
  const resources: CatalogResource[] = [];
  const templates: MergedTemplate[] = [];
  for (const source of sources) {
    const base = { server: source.server, local: source.local, ...source.availability };
    const allowed = compileNameFilter(source.options.tools);
    for (const tool of source.tools) {
      if (!source.local && !allowed(tool.name)) continue;
      const alias = source.options.aliases[tool.name];
      const name = source.local
        ? tool.name
        : alias !== undefined
          ? aliasedName(source.server, tool.name, alias)
          : exposedName(source.server, tool.name, { prefixed: source.options.prefixed });
      if (source.local && !EXPOSED_NAME.test(name)) continue;
      tools.push({ ...base, name, upstreamName: tool.name, definition: mark({ ...tool, name }, base) });
    }
    for (const prompt of source.prompts) {
      const name = exposedName(source.server, prompt.name, { prefixed: source.options.prefixed });
      prompts.push({ ...base, name, upstreamName: prompt.name, definition: mark({ ...prompt, name }, base) });
    }
    for (const resource of source.resources)
      resources.push({ ...base, uri: resource.uri, definition: mark({ ...resource }, base) });
    for (const template of source.templates)
      templates.push({
        ...base,
        uriTemplate: template.uriTemplate,
        definition: mark({ ...template }, base),
        ...compileTemplate(template.uriTemplate),
      });
  }
  const collisions = [
    ...collide('tool', tools, (t) => ({ server: t.server, name: t.upstreamName, exposed: t.name })),
    ...collide('prompt', prompts, (p) => ({ server: p.server, name: p.upstreamName, exposed: p.name })),
    ...collide('resource', resources, (r) => ({ server: r.server, name: r.uri, exposed: r.uri })),
    ...collide('resource-template', templates, (t) => ({
      server: t.server,
      name: t.uriTemplate,
      exposed: t.uriTemplate,
    })),
  ];
  return {
    tools: firstWins(tools, (t) => t.name),
    prompts: firstWins(prompts, (p) => p.name),
    resources: firstWins(resources, (r) => r.uri),
    templates: [...firstWins(templates, (t) => t.uriTemplate).values()],
    collisions,
  };
}

/** Marks a definition of a source that takes no calls now, for clients and models to see. */
function mark<T extends { description?: string | undefined; _meta?: Record<string, unknown> | undefined }>(
  definition: T,
  availability: Availability,
): T {
  if (availability.available) return definition;
  const note = `[unavailable: ${availability.reason ?? availability.state}]`;
  return {
    ...definition,
    description: definition.description ? `${definition.description} ${note}` : note,
    _meta: {
      ...definition._meta,
      'switchyard/available': false,
      'switchyard/state': availability.state,
    },
  };
}

/** An unparsable template is still listed (the upstream's business); it just routes nothing. */
function compileTemplate(template: string): { matcher: UriTemplate | undefined; invalid?: string } {
  try {
    return { matcher: new UriTemplate(template) };
  } catch (error) {
    return { matcher: undefined, invalid: error instanceof Error ? error.message : String(error) };
  }
}

function firstWins<T>(entries: readonly T[], key: (entry: T) => string): Map<string, T> {
  const map = new Map<string, T>();
  for (const entry of entries) if (!map.has(key(entry))) map.set(key(entry), entry);
  return map;
}

function collide<T>(
  kind: CollisionKind,
  entries: readonly T[],
  source: (entry: T) => NameSource,
): CatalogCollision[] {
  return findCollisions(entries.map(source)).map((collision) => ({
    ...collision,
    kind,
    message:
      kind === 'resource' || kind === 'resource-template'
        ? `the ${kind === 'resource' ? 'resource URI' : 'resource template'} '${collision.exposed}' is listed by ${collision.sources
            .map((s) => `server '${s.server}'`)
            .join(' and ')}: only the first is routed`
        : collision.message,
  }));
}
