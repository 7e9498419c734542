# hjnet image. Build: docker build -t hjnet .   Run: docker run -p 8080:8080 -v hjnet-data:/data hjnet
# With the CUDA backend: docker build --build-arg HJNET_CUDA=1 -t hjnet:cuda .
#                        docker run --gpus all -p 8080:8080 -v hjnet-data:/data hjnet:cuda
# The builder compiles the native addon (cmake, g++, Highway) and the TypeScript, then drops dev
# dependencies; the runtime stage carries only what `node dist/src/service/server.js` loads.
# HJNET_CUDA picks the pair of stages (builder-0/runtime-0: CPU, builder-1/runtime-1: CUDA);
# BuildKit builds only the pair it needs.
ARG HJNET_CUDA=0
# CUDA 12 images on Ubuntu 24.04: Ubuntu 22.04's libhwy-dev is Highway 0.x, and the addon needs
# Highway 1.x (dynamic dispatch, the math library) and glibc's libmvec (2.35 or later).
ARG CUDA_VERSION=12.6.3

FROM node:20-bookworm-slim AS builder-0
RUN apt-get update \
 && apt-get install -y --no-install-recommends cmake g++ make python3 libhwy-dev ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
# npm ci runs the install script (the addon, build/Release/hjnet.node) and prepare (tsc -> dist/).
RUN npm ci && npm prune --omit=dev

FROM node:20-bookworm-slim AS runtime-0
# The addon links libhwy.so.1.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libhwy1 \
 && rm -rf /var/lib/apt/lists/*

# Node 20 for the CUDA images, from the official image the CPU stages use (Ubuntu 24.04 ships 18).
FROM node:20-bookworm-slim AS node20

FROM nvidia/cuda:${CUDA_VERSION}-devel-ubuntu24.04 AS builder-1
COPY --from=node20 /usr/local/bin/node /usr/local/bin/node
COPY --from=node20 /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/npm
# Node's headers for cmake-js (npm's nodedir), which would otherwise download them.
COPY --from=node20 /usr/local/include/node /usr/local/include/node
ENV npm_config_nodedir=/usr/local
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && apt-get update \
 && apt-get install -y --no-install-recommends cmake g++ make python3 libhwy-dev ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
# HJNET_CUDA=ON: no nvcc is an error, never a silent CPU-only addon. sm_80 and sm_90 machine code
# and sm_90 PTX (CMakeLists.txt), or what --build-arg CUDAARCHS=... names. The CUDA runtime is
# linked statically, so the runtime stage needs only the driver that `docker run --gpus` mounts.
ARG CUDAARCHS
RUN HJNET_CUDA=ON npm ci && npm prune --omit=dev \
 && mkdir /hwy && cp -L "$(ldd build/Release/hjnet.node | awk '/libhwy/ { print $3 }')" /hwy/

# base: the CUDA images' smallest, with the variables the NVIDIA container runtime reads.
FROM nvidia/cuda:${CUDA_VERSION}-base-ubuntu24.04 AS runtime-1
COPY --from=node20 /usr/local/bin/node /usr/local/bin/node
# The addon's libhwy.so.1, the very file it was linked with (copied: no runtime package to name).
COPY --from=builder-1 /hwy/ /usr/local/lib/
RUN ldconfig && useradd --create-home --shell /usr/sbin/nologin node

FROM builder-${HJNET_CUDA} AS builder

FROM runtime-${HJNET_CUDA}
WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    HJNET_DATA_DIR=/data
COPY --from=builder /app/package.json ./package.json
COPY --from=builder /app/node_modules ./node_modules
COPY --from=builder /app/dist ./dist
COPY --from=builder /app/build/Release/hjnet.node ./build/Release/hjnet.node
COPY --from=builder /app/openapi ./openapi
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/src/service/server.js"]
