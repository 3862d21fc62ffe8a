# The API alone, for a deployment next to an external Neo4j 5.x (NEO4J_URI is required here:
# the embedded local Neo4j is for development and tests). Not built in CI: no Docker engine.
FROM python:3.11-slim

WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
COPY kb ./kb
COPY schema ./schema
COPY seed_data ./seed_data
COPY wsgi.py ./
# editable, so the package finds schema/ and seed_data/ beside it
RUN pip install --no-cache-dir -c constraints.txt -e . && useradd --system kb
USER kb

ENV KB_HOST=0.0.0.0 KB_PORT=8000 KB_DATA_DIR=/tmp/kb
EXPOSE 8000
# Apply the schema and seed before the first start: `docker run ... kb schema apply && kb seed`
CMD ["kb", "serve"]
