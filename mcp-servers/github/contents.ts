import type { Octokit } from '@octokit/rest';
import { z } from 'zod';
import type { CallOptions } from './call-context.js';

/** A repository path as the contents API takes it: no leading slash, no empty or dot segments. */
export const repoPath = z
  .string()
  .max(4096)
  .refine((path) => path === '' || path.split('/').every((s) => s !== '' && s !== '.' && s !== '..'), {
    message:
      'a path is relative to the repository root, like "src/index.ts": no leading "/", "//", "." or ".."',
  });

export const entrySchema = z.object({
  name: z.string(),
  path: z.string(),
  type: z.string().describe('file, dir, symlink or submodule'),
  size: z.number().int(),
  sha: z.string(),
});

export const contentsShape = {
  type: z.enum(['file', 'dir', 'symlink', 'submodule']),
  path: z.string(),
  sha: z.string().optional(),
  size: z.number().int().optional().describe('Bytes, for a file'),
  encoding: z
    .enum(['utf-8', 'base64', 'none'])
    .optional()
    .describe(
      'utf-8: content is the text; base64: binary content, base64-encoded; none: too large to return',
    ),
  binary: z.boolean().optional(),
  content: z.string().optional(),
  html_url: z.string().nullable().optional(),
  download_url: z.string().nullable().optional(),
  target: z.string().optional().describe('What a symlink points to'),
  submodule_git_url: z.string().optional(),
  entries: z.array(entrySchema).optional().describe('A directory’s entries'),
};

export type Contents = z.infer<z.ZodObject<typeof contentsShape>>;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes a file's bytes as UTF-8 text, or undefined when they are not text (invalid UTF-8 or NUL bytes). */
export function decodeText(bytes: Buffer): string | undefined {
  if (bytes.includes(0)) return undefined;
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined; // not UTF-8: the caller keeps the bytes as base64
  }
}

/**
 * Reads a file or a directory through the contents API. A file's base64 (which GitHub wraps every
 * 60 characters) is decoded to text when it is UTF-8, and kept as base64 (unwrapped) when binary.
 */
export async function readContents(
  octokit: Octokit,
  where: { owner: string; repo: string; path: string; ref?: string | undefined },
  options: CallOptions,
): Promise<Contents> {
  const { data } = await octokit.rest.repos.getContent({
    owner: where.owner,
    repo: where.repo,
    path: where.path,
    ...(where.ref === undefined ? {} : { ref: where.ref }),
    ...options,
  });
  if (Array.isArray(data)) {
    return {
      type: 'dir',
      path: where.path,
      entries: data.map(({ name, path, type, size, sha }) => ({ name, path, type, size, sha })),
    };
  }
  const common = { path: data.path, sha: data.sha, size: data.size, html_url: data.html_url };
  if (data.type === 'symlink' && 'target' in data) return { type: 'symlink', ...common, target: data.target };
  if (data.type === 'submodule' && 'submodule_git_url' in data)
    return { type: 'submodule', ...common, submodule_git_url: data.submodule_git_url };
  if (!('content' in data) || data.type !== 'file') return { type: 'file', ...common };
  // Files over 1 MB come without content (encoding "none"); download_url still serves them.
  if (data.encoding !== 'base64') {
    return { type: 'file', ...common, encoding: 'none', content: '', download_url: data.download_url };
  }
  const base64 = data.content.replace(/\s+/g, '');
  const text = decodeText(Buffer.from(base64, 'base64'));
  return text === undefined
    ? { type: 'file', ...common, encoding: 'base64', binary: true, content: base64 }
    : { type: 'file', ...common, encoding: 'utf-8', binary: false, content: text };
}
