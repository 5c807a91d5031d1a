import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/permissions';
import { Metrics } from './metrics';

/** Prometheus scrape endpoint on the main port (when METRICS_PORT is not set): public, not rate limited. */
@ApiExcludeController()
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  async scrape(@Res() reply: FastifyReply): Promise<void> {
    const body = await this.metrics.exposition();
    await reply.header('Content-Type', this.metrics.contentType).send(body);
  }
}
