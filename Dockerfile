# syntax=docker/dockerfile:1
#
# tradecache image: the JavaScript built from src/ (dist/), bin/, and the production
# node_modules. TypeScript and tsx stay in the build stage.
#
#   docker build -t tradecache .
#   docker run -p 8000:8000 tradecache            # `start`: API + worker + an embedded Redis
#   docker compose up -d                          # Redis, API and worker apart (compose.yaml)

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: every dependency, then `prepare` compiles src/ into dist/ ----------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm ci --no-audit --no-fund

# ---- dependencies: resolved from the lockfile, devDependencies left out ------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build, and TypeScript is a devDependency (dist/ comes from
# the build stage). msgpackr's native part is a prebuilt optional package: no script needed.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# ---- runtime ------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime

# redis-server: with no Redis configured, `tradecache start` (the default command) runs its own,
# so `docker run tradecache` works on its own. compose.yaml gives it a separate Redis instead.
RUN apt-get update \
  && apt-get install -y --no-install-recommends redis-server \
  && rm -rf /var/lib/apt/lists/*

# A dedicated unprivileged user. The code stays owned by root: the service cannot rewrite it.
RUN groupadd --system --gid 10001 tradecache \
  && useradd --system --uid 10001 --gid tradecache --home-dir /var/lib/tradecache \
    --shell /usr/sbin/nologin tradecache \
  && install -d -o tradecache -g tradecache -m 0750 /var/lib/tradecache

WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY bin ./bin
COPY --from=build /app/dist ./dist

# HOST: the app's default (127.0.0.1) would be unreachable from outside the container.
ENV NODE_ENV=production \
  HOST=0.0.0.0 \
  PORT=8000 \
  TRADECACHE_DATA_DIR=/var/lib/tradecache

# Embedded Redis data, kline history, generated secrets (when none are configured). A bind
# mount instead of a volume must be writable by uid 10001.
VOLUME ["/var/lib/tradecache"]
EXPOSE 8000
USER tradecache

# /ready answers 200 only while Redis answers. The slim image has no curl: node's fetch.
# A `worker` container serves no HTTP: compose.yaml gives it its own check.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8000)+'/ready',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# SIGTERM starts the graceful shutdown (requests and jobs in flight, up to SHUTDOWN_TIMEOUT_MS).
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "--max-semi-space-size=64", "bin/tradecache.js"]
CMD ["start"]
