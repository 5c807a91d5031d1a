import { readFileSync } from 'node:fs';

/** RSS of a process in MB from /proc/<pid>/status (Linux), undefined once it is gone. */
export function rssMb(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

export interface RssSummary {
  startMb: number;
  maxMb: number;
  endMb: number;
  samples: number;
}

/** Samples a process's RSS every intervalMs until stop(), which returns start, max and end. */
export function sampleRss(pid: number, intervalMs: number): { stop(): RssSummary | undefined } {
  const samples: number[] = [];
  const take = () => {
    const mb = rssMb(pid);
    if (mb !== undefined) samples.push(mb);
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      take();
      if (samples.length === 0) return undefined;
      return {
        startMb: samples[0],
        maxMb: Math.max(...samples),
        endMb: samples[samples.length - 1],
        samples: samples.length,
      };
    },
  };
}
