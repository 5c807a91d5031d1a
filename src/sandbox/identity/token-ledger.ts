/** Which access tokens (by their uti claim) were issued and which were revoked, for refresh-on-401 tests. */
export class TokenLedger {
  private issued = new Set<string>();
  private revoked = new Set<string>();
  private requests = 0;

  countRequest(): void {
    this.requests++;
  }

  tokenRequests(): number {
    return this.requests;
  }

  issue(uti: string): void {
    this.issued.add(uti);
  }

  revokeAll(): void {
    for (const uti of this.issued) this.revoked.add(uti);
    this.issued.clear();
  }

  isRevoked(uti: unknown): boolean {
    return typeof uti === 'string' && this.revoked.has(uti);
  }

  reset(): void {
    this.issued.clear();
    this.revoked.clear();
    this.requests = 0;
  }
}
