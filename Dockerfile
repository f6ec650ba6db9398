# The online-em processor as a container (used by docker-compose.yml: one image, online-em:local,
# built once for every service). Node 24, the active LTS (Node 20 reached its end of life in April 2026).
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json ./
COPY src ./src
COPY scripts/bundle-cli.mjs ./scripts/
RUN npm run build && npm prune --omit=dev

FROM node:24-slim
ENV NODE_ENV=production KAFKAJS_NO_PARTITIONER_WARNING=1
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
USER node
# Metrics and health (--metrics-port / ONLINE_EM_METRICS_PORT).
EXPOSE 9464
ENTRYPOINT ["node", "dist/bin/online-em.js"]
CMD ["run"]
