import { Controller, Get } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../auth/permissions';

/**
 * Liveness for orchestrators: answers as long as the process serves HTTP (during a drain too: a draining replica
 * must not be restarted); never calls Partner Center. Dependencies are readiness' business (`/readyz`).
 */
@ApiExcludeController()
@Public()
@Controller('healthz')
export class HealthController {
  @Get()
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }
}
