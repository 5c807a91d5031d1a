/** Partner Center requests being handled now and the most at once, so tests can see a client bound its concurrency. */
export class InFlightGauge {
  private current = 0;
  private peak = 0;

  /** Counts a request in; the returned function counts it out (once, however often it is called). */
  enter(): () => void {
    this.current++;
    this.peak = Math.max(this.peak, this.current);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.current--;
    };
  }

  inFlight(): number {
    return this.current;
  }

  inFlightPeak(): number {
    return this.peak;
  }

  /** A new peak starts from what is in flight now (requests still open stay counted). */
  resetPeak(): void {
    this.peak = this.current;
  }
}
