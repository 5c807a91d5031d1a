import { randomUUID } from 'node:crypto';
import { parseFaultSpec } from './fault-spec';
import type { ActiveFault, FaultSpec, FaultTarget } from './types';

export interface FaultProbe {
  target: FaultTarget;
  method: string;
  customerId?: string;
}

interface Entry {
  fault: ActiveFault;
  /** Error-diffusion accumulator: a rate of 0.25 hits exactly every 4th matching request, so tests are deterministic. */
  share: number;
}

/** Active faults; the first one (in order added) that matches a request and fires is applied to it. */
export class FaultBook {
  private entries: Entry[] = [];

  add(spec: FaultSpec): string {
    const fault: ActiveFault = { ...parseFaultSpec(spec), id: randomUUID(), applied: 0 };
    this.entries.push({ fault, share: 0 });
    return fault.id;
  }

  remove(id: string): boolean {
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => e.fault.id !== id);
    return this.entries.length < before;
  }

  clear(): void {
    this.entries = [];
  }

  list(): ActiveFault[] {
    return this.entries.map((e) => ({ ...e.fault }));
  }

  /** Picks the fault for this request (if any), consuming one use of it. */
  take(probe: FaultProbe): ActiveFault | undefined {
    for (const entry of this.entries) {
      if (!matches(entry.fault, probe) || !fires(entry)) continue;
      entry.fault.applied++;
      if (entry.fault.count !== undefined && entry.fault.applied >= entry.fault.count)
        this.remove(entry.fault.id);
      return { ...entry.fault };
    }
    return undefined;
  }
}

function matches(fault: ActiveFault, probe: FaultProbe): boolean {
  if ((fault.target ?? 'partner-center') !== probe.target) return false;
  if (fault.method && fault.method !== probe.method) return false;
  if (fault.customerId && fault.customerId.toLowerCase() !== probe.customerId?.toLowerCase()) return false;
  return true;
}

function fires(entry: Entry): boolean {
  if (entry.fault.rate === undefined) return true;
  entry.share += entry.fault.rate;
  if (entry.share < 1 - 1e-9) return false;
  entry.share -= 1;
  return true;
}
