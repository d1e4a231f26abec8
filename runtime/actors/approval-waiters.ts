import type { ApprovalRecord } from './run-records.js';

type Settle = (approval: ApprovalRecord) => void;

/**
 * The approvals that live runs of this process are waiting on, by approval id. A decision taken
 * here settles its waiter at once; one taken by another process is found by {@link pendingIds}
 * polling (the supervisor's lease tick) and settled the same way.
 */
export class ApprovalWaiters {
  private readonly waiting = new Map<string, Settle>();

  wait(approvalId: string, settle: Settle): () => void {
    this.waiting.set(approvalId, settle);
    return () => {
      if (this.waiting.get(approvalId) === settle) this.waiting.delete(approvalId);
    };
  }

  settle(approval: ApprovalRecord): boolean {
    const settle = this.waiting.get(approval.id);
    if (!settle || approval.state === 'pending') return false;
    this.waiting.delete(approval.id);
    settle(approval);
    return true;
  }

  pendingIds(): string[] {
    return [...this.waiting.keys()];
  }
}
