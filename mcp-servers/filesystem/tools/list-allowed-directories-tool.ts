import { z } from 'zod';
import { READ_ONLY, type RegisterTool } from '../schemas.js';
import { dataResult } from '../tool-result.js';

export const registerListAllowedDirectoriesTool: RegisterTool = (server, deps) => {
  server.registerTool(
    'list_allowed_directories',
    {
      title: 'List allowed directories',
      description:
        'Lists the directories this server may access (real paths). Every other tool only works inside them; ' +
        'relative paths are taken from the first.',
      inputSchema: {},
      outputSchema: { directories: z.array(z.string()) },
      annotations: READ_ONLY,
    },
    () => dataResult({ directories: [...deps.guard.roots()] }),
  );
};
