import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { hostAllowed, JsonRpcCode, sendJsonRpcError } from '../../runtime/mcp/http-guards.js';
import { type ApiKey, bearerToken, findApiKey, isLoopback } from './api-keys.js';
import type { McpHttpHandler } from './mcp-mount.js';

/**
 * The API port's `/mcp` with the API's own access rules, which the front does not know: with keys
 * configured, a request needs one with the `call` scope (an MCP client calls tools); on a loopback
 * binding, the Host header must be a loopback name (DNS rebinding, as the standalone servers check).
 * The front still checks Origin, sessions and bodies.
 */
export function guardMcpEndpoint(
  handler: McpHttpHandler,
  access: { keys: readonly ApiKey[]; host: string; port: () => number },
): McpHttpHandler {
  return {
    async handle(req: IncomingMessage, res: ServerResponse, parsedBody?: unknown) {
      if (!hostAllowed(req, access.port(), isLoopback(access.host))) {
        return sendJsonRpcError(res, 403, JsonRpcCode.BadRequest, 'Forbidden: Host is not this server');
      }
      if (access.keys.length > 0) {
        const token = bearerToken(req.headers.authorization);
        const key = token === undefined ? undefined : findApiKey(access.keys, token);
        if (!key) {
          return sendJsonRpcError(
            res,
            401,
            JsonRpcCode.BadRequest,
            'Unauthorized: send Authorization: Bearer <API key>',
            {
              'www-authenticate': 'Bearer',
            },
          );
        }
        if (!key.scopes.has('call')) {
          return sendJsonRpcError(
            res,
            403,
            JsonRpcCode.BadRequest,
            `Forbidden: API key '${key.name}' lacks the call scope`,
          );
        }
        // The SDK's convention (`req.auth`): the transport hands it to request handlers as
        // `extra.authInfo`, so the front knows which key made each call (audit rows).
        (req as IncomingMessage & { auth?: AuthInfo }).auth = {
          token: token!,
          clientId: key.name,
          scopes: [...key.scopes],
        };
      }
      return handler.handle(req, res, parsedBody);
    },
  };
}
