import { Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
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
  async readiness(@Res({ passthrough: true }) reply: FastifyReply): Promise<unknown> {
    try {
      return await this.check();
    } catch (error) {
      // Terminus says "not ready" with a 503 exception: answered here, in its shape, not as an unexpected error.
      if (!(error instanceof ServiceUnavailableException)) throw error;
      void reply.status(503);
      return error.getResponse();
    }
  }

  private check() {
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
