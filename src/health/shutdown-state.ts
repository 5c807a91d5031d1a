/** Set on SIGTERM before anything else: readiness fails and new requests are refused while the process drains. */
export class ShutdownState {
  private drainingSince?: number;

  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  beginDrain(now = Date.now()): void {
    this.drainingSince ??= now;
  }
}
