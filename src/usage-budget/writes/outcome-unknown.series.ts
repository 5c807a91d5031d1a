import { Injectable, OnModuleInit, Optional } from '@nestjs/common';
import { Metrics } from '../../observability/metrics';
import { USAGE_BUDGET_ROUTE } from '../usage-budget.controller';

/** The operations that change a budget, named as the request histogram names them (inbound-telemetry.hook.ts). */
const WRITE_OPERATIONS = [`PATCH ${USAGE_BUDGET_ROUTE}`, 'mutation updateUsageBudget'];

/**
 * The request histogram's OUTCOME_UNKNOWN series of the writes, exported at 0 from start-up. Prometheus counts an
 * increase from a series' first sample, so a series born at 1 would hide the first change of unknown outcome from
 * `increase()` and the alert on it (deploy/prometheus: UsageBudgetWriteOutcomeUnknown); such changes are rare and
 * each one is worth a look. Other outcomes come often enough when they matter that the first one is not missed.
 */
@Injectable()
export class OutcomeUnknownSeries implements OnModuleInit {
  constructor(@Optional() private readonly metrics?: Metrics) {}

  onModuleInit(): void {
    for (const operation of WRITE_OPERATIONS)
      this.metrics?.requestDuration.zero({ operation, outcome: 'OUTCOME_UNKNOWN' });
  }
}
