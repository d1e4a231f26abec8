/** A process role once composed and started. */
export interface RunningRole {
  /**
   * Settles when the role ends by itself (the stdio client closed stdin); absent for a service
   * that runs until it is told to stop (a signal).
   */
  ended?: Promise<void>;
  /** Closes everything the role opened, in reverse order. Idempotent; never rejects. */
  close(): Promise<void>;
}
