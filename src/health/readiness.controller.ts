import { Controller, Get } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorResult,
  HealthIndicatorService,
} from '@nestjs/terminus';
import { Public } from '../auth/permissions';
import { ReadinessRegistry } from './readiness.registry';
import { ShutdownState } from './shutdown-state';

const CHECK_TIMEOUT_MS = 3_000;

/**
 * Readiness for the load balancer (`/readyz`, terminus' shape, 503 when down): not shutting down, the
 * configuration valid (it was validated at start-up, or the process would not run), and every registered check.
 */
@ApiExcludeController()
@Public()
@Controller('readyz')
export class ReadinessController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    private readonly registry: ReadinessRegistry,
    private readonly shutdown: ShutdownState,
  ) {}

  @Get()
  @HealthCheck()
  readiness() {
    return this.health.check([
      () => {
        const session = this.indicator.check('shutdown');
        return this.shutdown.draining ? session.down({ message: 'shutting down' }) : session.up();
      },
      () => this.indicator.check('configuration').up(),
      ...this.registry.entries().map(([name, check]) => async (): Promise<HealthIndicatorResult> => {
        const session = this.indicator.check(name);
        try {
          const result = await withTimeout(Promise.resolve(check()));
          const data = { message: result.detail ?? (result.ready ? 'ready' : 'not ready') };
          return result.ready ? session.up(data) : session.down(data);
        } catch (error) {
          return session.down({ message: error instanceof Error ? error.message : 'check failed' });
        }
      }),
    ]);
  }
}

function withTimeout<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('check timed out')), CHECK_TIMEOUT_MS);
    }),
  ]).finally(() => clearTimeout(timer));
}
