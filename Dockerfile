# syntax=docker/dockerfile:1
# Node 24 LTS is the documented runtime (the code also runs on Node >= 20.19, see package.json "engines").
# test/e2e/image.test.ts reproduces these stages by hand (no Docker daemon on the development machines):
# keep the instructions to WORKDIR, ENV, COPY and RUN, which it follows.

# Build stage: compile TypeScript, then drop the development dependencies.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# A one-line fix to postgres.js (patches/, applied by patch-package in postinstall; see the README).
COPY patches ./patches
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# Runtime stage. The server runs the compiled dist/ (no compiler at start). src/ and tsx (a production
# dependency) are kept so that every documented `npm run …` command (db:migrate, staff:create, ask,
# catalog:import, dossiers:import) works in the image exactly as on a developer's machine:
#   docker compose run --rm bot npm run db:migrate
FROM node:24-bookworm-slim
ENV NODE_ENV=production PORT=3000 DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json tsconfig.json ./
COPY src ./src
COPY drizzle ./drizzle
COPY data ./data
RUN mkdir -p /data && chown -R node:node /data
USER node
EXPOSE 3000
VOLUME ["/data"]
# The server drains for up to 15 s after SIGTERM; give it longer (compose: stop_grace_period).
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=3s --start-period=60s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/readyz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
CMD ["node", "dist/main.js"]
