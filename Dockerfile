# syntax=docker/dockerfile:1
# Build stage: install from the lockfile, compile TypeScript.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# Production dependencies only, from the same lockfile (none of them needs an install script).
# test/e2e/production-start.test.ts runs this exact line and the runtime stage's CMD.
FROM node:20-bookworm-slim AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# Runtime: compiled output and production dependencies, as the unprivileged `node` user. Never dev mode:
# start-up fails, naming each one, unless the SCAYLE variables and SESSION_ENCRYPTION_KEYS are set.
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0
WORKDIR /app
COPY --chown=node:node package.json ./
COPY --from=prod-deps --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# Exec form (what `npm start` runs) so SIGTERM reaches node and shutdown is graceful.
CMD ["node", "dist/server.js"]
