# semroute, CPU image: node:20-slim, production dependencies only, default model packs baked in,
# runs as a non-root user. Build: docker build -t semroute:0.1.0 .
# (k8s/README.md covers pushing it and the CUDA variant, Dockerfile.cuda.)

# ---- build: bundle the TypeScript entry with esbuild (dev dependencies live only here) ----
FROM node:20-slim AS build
WORKDIR /src
# onnxruntime-node's postinstall would fetch the CUDA provider from NuGet; the CPU image does not need it.
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# ---- runtime ----
FROM node:20-slim
# glibc malloc: freed large blocks go back to the kernel (runtimes/node/malloc-env.ts; ~25 MB less RSS).
ENV NODE_ENV=production \
    MALLOC_MMAP_THRESHOLD_=131072 \
    MALLOC_TRIM_THRESHOLD_=2097152 \
    ONNXRUNTIME_NODE_INSTALL=skip \
    SEMROUTE_EXTPROC_PROTO_DIR=/app/dist/proto
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /src/dist ./dist
# The ext_proc protos are read at run time, next to the bundle.
COPY runtimes/node/extproc/proto ./dist/proto
# Model packs (model.onnx, manifest.json, labels.json, MODEL_CARD.md); the training code stays out.
COPY models ./models
COPY config/config.yaml ./config/config.yaml
RUN groupadd --system --gid 10001 semroute \
 && useradd --system --uid 10001 --gid semroute --no-create-home --home-dir /app semroute
USER 10001:10001
# 8801: OpenAI API, classification API, /health, /ready; 50051: ext_proc (gRPC); 9190: /metrics
EXPOSE 8801 50051 9190
ENTRYPOINT ["node", "dist/semroute.mjs"]
CMD ["--config", "/app/config/config.yaml"]
