# syntax=docker/dockerfile:1
# Switchboard: the gateway, its CLI and the admin console in one image (docs/operations.md).

# --- build: dev dependencies, tsc (dist/src) and Vite (dist/console), then production dependencies only
FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary fits.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# Dependencies first (cached while the lock file is unchanged); the build runs after the sources are in.
RUN npm ci --no-audit --no-fund --ignore-scripts \
 && npm rebuild better-sqlite3
COPY tsconfig.json tsconfig.build.json buf.yaml buf.gen.yaml ./
COPY bin ./bin
COPY proto ./proto
COPY gen ./gen
COPY src ./src
COPY clients ./clients
COPY console ./console
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

# --- runtime: Node 20 slim, non-root, data on a volume
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000 \
    SWITCHBOARD_DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/bin ./bin
COPY --from=build /app/dist ./dist
# The data directory (SQLite database, usage journal, generated master key hash) belongs to the unprivileged user.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 4000
# Liveness does no I/O; the start period covers migrations on first start.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/health/liveliness`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "bin/switchboard.js"]
