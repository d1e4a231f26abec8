import { z } from 'zod';

/** The `filesystem` config section: the filesystem MCP server. */
export const FilesystemConfigSchema = z.strictObject({
  /** Directories it may use (client MCP roots can narrow them, never widen). Env: SWITCHYARD_FS_ROOTS. */
  roots: z.array(z.string().min(1)).default([]),
});
export type FilesystemConfig = z.output<typeof FilesystemConfigSchema>;
