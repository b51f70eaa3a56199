# syntax=docker/dockerfile:1
# supd's image: supd as PID 1 running the demo layout (conf.d/, the Portworx-style programs played
# by stand-ins). To run your own programs, mount or COPY your supervisord.conf over
# /etc/supd/conf.d/supd.conf (or pass `-c FILE` after the image name).
#
#   docker build -t supd-demo .
#   docker run --rm --name supd-demo supd-demo        # every program's lines on stdout
#   docker exec supd-demo supctl status               # or: supctl tree
#   docker stop supd-demo                             # SIGTERM: all stop, supd exits 0

ARG NODE_IMAGE=node:24-bookworm-slim

# --- build: compile src/ to dist/ with the dev dependencies ------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the `node` devDependency's install script would fetch a second Node 24 (this
# image has one), and tsc needs no native code (koffi's is built in the final stage).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json rolldown.config.mjs ./
COPY scripts/build.mjs scripts/build-stamp.mjs ./scripts/
COPY src ./src
COPY dashboard ./dashboard
# `npm run build`'s script, through the image's node: node_modules/.bin/node (the devDependency)
# was not installed.
RUN node scripts/build.mjs

# --- run: production dependencies only, the base image's Node 24 ------------------------------
FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# koffi's install script runs here: it picks the prebuilt binary its package ships.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
RUN chmod 755 dist/cli/supd.js dist/cli/supctl.js \
 && ln -s /app/dist/cli/supd.js /usr/local/bin/supd \
 && ln -s /app/dist/cli/supctl.js /usr/local/bin/supctl

# The demo layout. Its event handler is examples/event-handlers/state-log.mjs, found beside
# conf.d/ as in the repository (conf.d/bin/../../examples).
COPY conf.d /etc/supd/conf.d
COPY examples/event-handlers /etc/supd/examples/event-handlers
# supctl with no -c finds /etc/supd/supd.conf first: point it at the demo's.
RUN ln -s /etc/supd/conf.d/supd.conf /etc/supd/supd.conf

# supd turns SIGTERM into a graceful stop of every program (reverse priority) and exits 0;
# docker stop's 10 s grace period covers the demo's stopwaitsecs.
STOPSIGNAL SIGTERM
# Healthy while every program that should run is RUNNING and passes its health check: supctl
# health exits 1 otherwise (a deliberate `supctl stop` or a one-shot that exited 0 does not count),
# 4 if supd is gone.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "/app/dist/cli/supctl.js", "-c", "/etc/supd/conf.d/supd.conf", "health"]
# Exec form, no shell in between: node running supd is PID 1, reaps orphans and gets the signals.
# The V8 flags are supd's own (src/cli/v8-tuning.ts says why; a test keeps these the same): given
# here, supd need not re-execute itself with them at every container start.
ENTRYPOINT ["node", "--max-semi-space-size=1", "--no-memory-reducer", "/app/dist/cli/supd.js", "-c", "/etc/supd/conf.d/supd.conf"]
