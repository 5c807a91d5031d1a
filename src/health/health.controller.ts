import { Controller, Get } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';

/** Liveness for orchestrators: answers as long as the process serves HTTP; never calls Partner Center. */
@ApiExcludeController()
@Controller('healthz')
export class HealthController {
  @Get()
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }
}
