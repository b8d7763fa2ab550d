# The demo advising page with the chat widget (web/serve.py), the widget's bundle
# installed from the npm lock file.
FROM node:20-slim AS widget
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM python:3.10-slim
RUN pip install --no-cache-dir pyyaml
WORKDIR /app
# serve.py reads the career's name with the project's knowledge loader (actions/knowledge.py,
# which needs only PyYAML).
COPY actions /app/actions
COPY data/knowledge /app/data/knowledge
COPY web /app/web
COPY --from=widget /web/node_modules /app/web/node_modules
ENV PYTHONPATH=/app
USER 1001
