# syntax=docker/dockerfile:1
# The sluice image: `sluice operator` and `sluice runner` (one image, two commands).
#   docker build -t ghcr.io/sluice-dev/sluice:0.1.0 .
# Stages: build (npm ci with dev dependencies, tsc → dist/), prod-deps (production
# node_modules only), runtime (node:24 slim, non-root 65532, ENTRYPOINT sluice).
# The Node major matches package.json's `node` devDependency (24): tests and image run the same.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# Install scripts stay on: the `node` devDependency puts Node 24 first on npm scripts' PATH.
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies are plain JavaScript: no install scripts needed, none run.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
# User 65532 (the distroless "nonroot" id the chart and the operator's pods run as), and `sluice`
# on PATH: the operator starts runner pods with command ["sluice"].
RUN groupadd --gid 65532 sluice \
 && useradd --uid 65532 --gid 65532 --no-create-home --home-dir /tmp --shell /usr/sbin/nologin sluice \
 && printf '#!/bin/sh\nexec node /app/bin/sluice.mjs "$@"\n' > /usr/local/bin/sluice \
 && chmod 0755 /usr/local/bin/sluice
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY bin/sluice.mjs ./bin/sluice.mjs
# Pods run with a read-only root filesystem and an emptyDir at /tmp; nothing here writes elsewhere.
USER 65532:65532
ENTRYPOINT ["sluice"]
CMD ["--help"]
