# One image for every hub process; docker-compose.yml chooses the entry point per service.
# Node 24, the LTS line maintained longest (Node 20 ended in April 2026); .ci/run tests on this major too.
FROM node:24-bookworm-slim
WORKDIR /app
COPY . .
# `npm ci` builds (the postinstall script: tsc -b, the UI bundle); dev packages go afterwards.
# --ignore-scripts: the prune must not run the build again without TypeScript.
RUN npm ci \
 && npm prune --omit=dev --ignore-scripts \
 && npm cache clean --force \
 && mkdir -p /keys && chown node:node /keys
USER node
EXPOSE 4000
CMD ["node", "gateway/dist/src/main.js"]
