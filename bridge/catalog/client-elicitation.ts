/**
 * A question put to the person behind an MCP client (an elicitation, form mode), as a local tool
 * sees it: the front that holds the client's connection supplies {@link Elicit} for the call.
 */

/** A form-mode elicitation request, as MCP defines it (a flat object of primitive fields). */
export interface ElicitationRequest {
  message: string;
  requestedSchema: {
    type: 'object';
    properties: Record<string, Record<string, unknown>>;
    required?: string[];
  };
}

/** The client's answer: only `accept` carries content. */
export interface ElicitationAnswer {
  action: 'accept' | 'decline' | 'cancel';
  content?: Record<string, unknown>;
}

/** Sends an elicitation to the client whose call this is; aborting `signal` withdraws it. */
export type Elicit = (request: ElicitationRequest, signal: AbortSignal) => Promise<ElicitationAnswer>;
