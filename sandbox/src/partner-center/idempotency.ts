import type { SandboxReply } from '../http/exchange';

/**
 * Responses to applied PATCHes, by MS-RequestId: a retry with the same id gets the stored answer and
 * changes nothing, even if another call changed the budget in between.
 */
export class IdempotencyStore {
  private replies = new Map<string, SandboxReply>();

  replay(requestId: string | undefined): SandboxReply | undefined {
    return requestId ? this.replies.get(requestId.toLowerCase()) : undefined;
  }

  remember(requestId: string | undefined, reply: SandboxReply): void {
    if (requestId) this.replies.set(requestId.toLowerCase(), reply);
  }

  clear(): void {
    this.replies.clear();
  }
}
