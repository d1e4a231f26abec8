import type { CallToolResult } from '@modelcontextprotocol/server';
import { extname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readLimited } from '../safe-fs.js';
import { pathSchema, READ_ONLY, type RegisterTool } from '../schemas.js';
import { errorResult } from '../tool-result.js';
import { z } from 'zod';

const MIME_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.bmp': 'image/bmp',
  '.svg': 'image/svg+xml',
  '.mp3': 'audio/mpeg',
  '.wav': 'audio/wav',
  '.ogg': 'audio/ogg',
  '.flac': 'audio/flac',
  '.pdf': 'application/pdf',
};

export function mimeTypeOf(path: string): string {
  return MIME_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

export const registerReadMediaFileTool: RegisterTool = (server, deps) => {
  server.registerTool(
    'read_media_file',
    {
      title: 'Read media file',
      description:
        'Reads an image, audio or other binary file and returns it base64-encoded with its MIME type ' +
        '(from the extension): images as image content, audio as audio content, anything else as a blob resource.',
      inputSchema: z.object({ path: pathSchema }),
      annotations: READ_ONLY,
    },
    async ({ path }): Promise<CallToolResult> => {
      try {
        const { real, requested } = await deps.guard.resolve(path, 'existing');
        const data = (await readLimited(deps.guard, real, path, deps.maxReadBytes)).toString('base64');
        const mimeType = mimeTypeOf(real);
        if (mimeType.startsWith('image/')) return { content: [{ type: 'image', data, mimeType }] };
        if (mimeType.startsWith('audio/')) return { content: [{ type: 'audio', data, mimeType }] };
        return {
          content: [
            { type: 'resource', resource: { uri: pathToFileURL(requested).href, mimeType, blob: data } },
          ],
        };
      } catch (error) {
        return errorResult(error, 'read_media_file', deps.logger);
      }
    },
  );
};
