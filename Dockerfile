# The alertstatus API server. Build: docker build -t alertstatus .
# The console's front-end dependencies (docs/console.md), from its lockfile.
FROM node:20-slim AS console
WORKDIR /console
COPY src/alertstatus/console/package.json src/alertstatus/console/package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
COPY --from=console /console/node_modules ./src/alertstatus/console/node_modules
COPY index_templates ./index_templates
# A home of its own: the first-start API key is written to ~/.cache/alertstatus (docs/security.md).
RUN pip install . && useradd --system --create-home --uid 10001 alertstatus
USER alertstatus

# In a container the API listens on every interface; Elasticsearch comes from ELASTICSEARCH_URL.
ENV ALERTSTATUS_HOST=0.0.0.0 ALERTSTATUS_PORT=5601
EXPOSE 5601
HEALTHCHECK --interval=10s --timeout=5s --retries=12 \
  CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:5601/api/status', timeout=4)" || exit 1
CMD ["alertstatus", "serve"]
