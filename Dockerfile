FROM python:3.12-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY moot moot
COPY bot bot
COPY commands commands
COPY storage storage
COPY adapters adapters
RUN pip install --no-cache-dir '.[all]'
# Mount config and data: docker run -v $PWD/config.toml:/app/config.toml -v moot-data:/data
ENV MOOT_DATABASE_URL=sqlite:////data/moot.db
VOLUME ["/data"]
ENTRYPOINT ["moot", "--config", "/app/config.toml"]
CMD ["run"]
