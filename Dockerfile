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
 && mkdir -p /keys /demo-keys/gateway /demo-keys/subgraphs /demo-keys/policies && chown -R node:node /keys /demo-keys
# A named volume takes the owner of the directory it is first mounted over: these let the user
# node write the demo's keys (docker-compose.demo.yml). Production mounts the operator's, read-only.
USER node
EXPOSE 4000
CMD ["node", "gateway/dist/src/main.js"]
