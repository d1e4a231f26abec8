// A child process that serves the echo server with serveStdio, as `switchyard server` does; it
// logs `echo-cleanup` to stderr when the instance is cleaned up, so a test can see that it was.
import { createLogger } from '../../core/logger.js';
import { serveStdio } from '../../runtime/mcp/serve-stdio.js';
import { createEchoServer } from './echo-server.js';

const logger = createLogger({ name: 'stdio-child' });
const handle = await serveStdio(
  () => createEchoServer({ onCleanup: () => logger.info({ event: 'echo-cleanup' }, 'echo cleaned up') }),
  { logger },
);
await handle.closed;
logger.info({ event: 'closed' }, 'stdio child done');
