# hjnet CPU image. Build: docker build -t hjnet .   Run: docker run -p 8080:8080 -v hjnet-data:/data hjnet
# The builder compiles the native addon (cmake, g++, Highway) and the TypeScript, then drops dev
# dependencies; the runtime stage carries only what `node dist/src/service/server.js` loads.

FROM node:20-bookworm-slim AS builder
RUN apt-get update \
 && apt-get install -y --no-install-recommends cmake g++ make python3 libhwy-dev ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
# npm ci runs the install script (the addon, build/Release/hjnet.node) and prepare (tsc -> dist/).
RUN npm ci && npm prune --omit=dev

FROM node:20-bookworm-slim
# The addon links libhwy.so.1.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libhwy1 \
 && rm -rf /var/lib/apt/lists/*
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
