import { Controller, Get, Inject, NotFoundException, Param, Query, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../../auth/permissions';
import { GRAPHIQL_ASSETS_PATH, GraphiqlAssets } from './graphiql-assets';

export const GRAPHIQL_ASSETS = Symbol('GRAPHIQL_ASSETS');

/** The GraphiQL page's scripts and stylesheets, from the gateway itself (no CDN); public like the page. */
@ApiExcludeController()
@Public()
@Controller(GRAPHIQL_ASSETS_PATH.slice(1))
export class GraphiqlAssetsController {
  constructor(@Inject(GRAPHIQL_ASSETS) private readonly assets: GraphiqlAssets) {}

  @Get(':name')
  serve(
    @Param('name') name: string,
    @Query('v') version: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Buffer {
    const asset = this.assets.files.get(name);
    if (!asset) throw new NotFoundException(`No such GraphiQL asset: ${name}`);
    reply.header('Content-Type', asset.contentType);
    // The page links each file with its digest, so that URL never changes content.
    reply.header(
      'Cache-Control',
      version === asset.version ? 'public, max-age=31536000, immutable' : 'no-cache',
    );
    return asset.body;
  }
}
