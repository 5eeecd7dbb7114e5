# syntax=docker/dockerfile:1
# The sluice image: `sluice operator` and `sluice runner` (one image, two commands).
#   docker build -t ghcr.io/sluice-dev/sluice:0.1.0 .
# Stages: build (npm ci with dev dependencies, tsc → dist/), prod-deps (production
# node_modules only), runtime (node:24 slim, non-root 65532, ENTRYPOINT sluice).
# The Node major matches package.json's `node` devDependency (24): tests and image run the same.
# Pinned by digest (the multi-arch index of node:24-bookworm-slim, Node 24.18.0), so a rebuild
# gets the very same base until someone moves the pin. To update it:
#   docker buildx imagetools inspect node:24-bookworm-slim --format '{{json .Manifest.Digest}}'
#   (or: crane digest node:24-bookworm-slim), paste the digest below, rebuild, run the tests.
ARG NODE_IMAGE=node:24-bookworm-slim@sha256:6f7b03f7c2c8e2e784dcf9295400527b9b1270fd37b7e9a7285cf83b6951452d

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
# on PATH: the operator starts runner pods with command ["sluice"]. The launcher execs
# bin/sluice.mjs itself, not `node bin/sluice.mjs`: its shebang carries the runner's Node flags
# (--max-semi-space-size=16 --max-old-space-size=512 keep a runner's heap small), so the image starts sluice exactly as a
# checkout, npx and the test kubelet do (test/image/dockerfile.test.ts checks this).
RUN groupadd --gid 65532 sluice \
 && useradd --uid 65532 --gid 65532 --no-create-home --home-dir /tmp --shell /usr/sbin/nologin sluice \
 && printf '#!/bin/sh\nexec /app/bin/sluice.mjs "$@"\n' > /usr/local/bin/sluice \
 && chmod 0755 /usr/local/bin/sluice
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY --chmod=0755 bin/sluice.mjs ./bin/sluice.mjs
# Pods run with a read-only root filesystem and an emptyDir at /tmp; nothing here writes elsewhere.
USER 65532:65532
ENTRYPOINT ["sluice"]
CMD ["--help"]
