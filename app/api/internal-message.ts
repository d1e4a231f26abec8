/** What a 5xx tells the client: that it failed, and the id to quote when asking why. */
export function internalMessage(requestId: string): string {
  return `internal error; the server log has the detail under request id ${requestId}`;
}
