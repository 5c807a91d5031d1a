# syntax=docker/dockerfile:1
#
# Three stages on one base: `build` compiles with the dev dependencies; `runtime` (the default target, last) is the
# gateway with production dependencies only and without the Partner Center sandbox; `sandbox` is the sandbox package
# alone, for the compose `sandbox` profile. test/e2e/deployment/production-image.e2e-spec.ts replays the runtime
# stage's COPY and RUN steps in a temporary folder and checks the resulting file list.
#
# Install scripts stay off in every `npm ci` (nothing here needs them); npm's cache is a build cache mount, so no
# layer carries it.
#
# Base: node:24.20.0-bookworm-slim (Node 24 LTS on Debian 12), pinned by the digest of its multi-platform index so a
# rebuild gets the same bits. To update: choose the new tag, run
#   docker buildx imagetools inspect node:24.<minor>.<patch>-bookworm-slim
# and put its "Digest:" and the tag here together (Renovate's and Dependabot's docker managers do this too).
FROM node:24.20.0-bookworm-slim@sha256:ba849c60be29959425b8734d57b8b4b7d56f98edd9504c9af091d5281095a71e AS base

FROM base AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY sandbox/package.json ./sandbox/
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json nest-cli.json ./
COPY sandbox/tsconfig.json sandbox/tsconfig.build.json ./sandbox/
COPY sandbox/src ./sandbox/src
COPY src ./src
RUN npm run build
COPY scripts/minify-dependencies.js ./scripts/

# The sandbox alone (an emulator: never a production upstream). Its CA certificate goes to /sandbox-state, a volume
# the compose sandbox profile shares with the gateway so that the gateway trusts it through NODE_EXTRA_CA_CERTS.
FROM base AS sandbox
ENV NODE_ENV=production NODE_OPTIONS=--enable-source-maps \
    SANDBOX_HOST=0.0.0.0 SANDBOX_PORT=8443 SANDBOX_STATE_DIR=/sandbox-state
WORKDIR /app
COPY package.json package-lock.json ./
COPY sandbox/package.json ./sandbox/
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --ignore-scripts --no-audit --no-fund --workspace partner-center-sandbox
COPY --from=build /app/sandbox/dist ./sandbox/dist
RUN mkdir -p /sandbox-state && chown node:node /sandbox-state
USER node
EXPOSE 8443
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["node", "-e", "require('https').get({host:'127.0.0.1',port:process.env.SANDBOX_PORT||8443,path:'/_sandbox/stats',ca:require('fs').readFileSync((process.env.SANDBOX_STATE_DIR||'/sandbox-state')+'/ca.pem')},r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))"]
CMD ["node", "sandbox/dist/main.js"]

# The gateway. Only package.json and the lock are copied before `npm ci`, never sandbox/: with the workspace's
# package.json present, `npm ci --omit=dev` would link node_modules/partner-center-sandbox and install its
# dependencies (selfsigned), dev dependency or not. Without it npm installs the production tree alone.
FROM base AS runtime
# glibc malloc: V8's optimizing compiler borrows tens of MB at a time and gives them back; by default each such free
# raises glibc's mmap threshold, so the next big blocks come from the heap arenas and stay in RSS once freed (~10 MB
# under load). A fixed 128 KiB threshold keeps big blocks in mmap, returned to the system when freed.
# No NODE_OPTIONS=--enable-source-maps: it parses every dependency's source map at load (~10 MB of RSS); the gateway
# maps its own frames to the TypeScript source when a trace is formatted (src/common/source-mapped-stacks.ts).
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 MALLOC_MMAP_THRESHOLD_=131072
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --ignore-scripts --no-audit --no-fund
# The dependencies' JavaScript minified in place, renaming nothing (scripts/minify-dependencies.js says why): V8 keeps
# every loaded module's source in the heap, -7 to -12 MB of RSS under load. esbuild comes from the build stage,
# mounted, so it is not in the image.
RUN --mount=type=bind,from=build,source=/app,target=/build node /build/scripts/minify-dependencies.js node_modules
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000
# Liveness, as Docker and compose read it; Kubernetes probes /healthz and /readyz itself (deploy/kubernetes/).
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# V8 heap bounds (README.md, "Performance"): by default the old generation may grow to ~4x the live heap before a full
# GC (live ~45 MB, RSS 250-280 MB under 50 connections); a 256 MB cap brings that factor down to ~1.3, and 8 MB
# semi-spaces (default 16) shrink the young generation from 32 to 16 MB: RSS ~145 MB under the same load (4 MB
# semi-spaces save 13 MB more but cost GraphQL ~6% of its throughput in scavenges). The live heap stays far below the
# cap (its caches are bounded). No Maglev (V8's mid-tier JIT, on by default since Node 22; Node 20 has it off, so the
# flag changes nothing there): on this image's Node 24 it cost 20-40 MB of RSS under load (the code it makes and its
# heap) and no speed: measured A/B on Node 24.20.0, REST 1.07x and GraphQL 1.11x the reads/s without it, RSS max
# 160 -> 141 MB (REST) and 193 -> 154 MB (GraphQL). No Sparkplug (V8's baseline compiler, between the interpreter and
# TurboFan) either: a long-running server's hot code is optimized by TurboFan anyway, and the baseline code, its
# background compiler and their pages cost 5-12 MB of RSS under load on Node 24 (GraphQL 155-165 -> 145-154 MB) and
# 3-6 MB on Node 20, with no measurable cost in reads/s (A/B on both Nodes: 0.97-1.09 of the reads). No WebSocket
# global (the gateway opens none): @nestjs/graphql loads subscriptions-transport-ws, which reads globalThis.WebSocket
# as it loads, and on Node 22+ that read loads Node's own copy of undici (~3 MB of heap and ~2 MB of wasm memory, a
# second llhttp beside the npm undici the gateway uses); on Node 20 the global is off already. bench/src/
# contestants.ts runs the gateway with these flags and this stage's ENV.
CMD ["node", "--no-maglev", "--no-sparkplug", "--no-experimental-websocket", "--max-semi-space-size=8", "--max-old-space-size=256", "dist/main.js"]
