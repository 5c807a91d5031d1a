/**
 * Which Partner Center access tokens (by their uti claim) were issued, and up to which one they are revoked,
 * for refresh-on-401 tests. Every token gets an issue number; revokeAll() revokes every token numbered up to then.
 * The numbering and the revocation mark survive reset(): clients such as MSAL keep tokens in their cache across a
 * reset, and those must stay revocable (and revoked ones stay revoked).
 */
export class TokenLedger {
  private issueNumbers = new Map<string, number>();
  private issuedCount = 0;
  /** Tokens whose issue number is at most this are revoked. */
  private revokedUpTo = 0;
  private requests = 0;

  countRequest(): void {
    this.requests++;
  }

  tokenRequests(): number {
    return this.requests;
  }

  issue(uti: string): void {
    this.issueNumbers.set(uti, ++this.issuedCount);
  }

  /** Revokes every Partner Center access token issued so far; tokens issued afterwards are accepted. */
  revokeAll(): void {
    this.revokedUpTo = this.issuedCount;
  }

  isRevoked(uti: unknown): boolean {
    if (typeof uti !== 'string') return false;
    const number = this.issueNumbers.get(uti);
    return number !== undefined && number <= this.revokedUpTo;
  }

  /** Clears the token-request counter only: issued tokens stay known, and revoked ones stay revoked. */
  reset(): void {
    this.requests = 0;
  }
}
