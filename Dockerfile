# Concord: multi-stage build, non-root runtime, data in a volume.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
# dist = release + fat LTO, one codegen unit: the profile the published benchmarks use
RUN cargo build --profile dist --locked && strip target/dist/concord

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --home-dir /data concord && mkdir -p /data && chown concord /data
COPY --from=build /src/target/dist/concord /usr/local/bin/concord
USER concord
WORKDIR /data
VOLUME ["/data"]
ENV CONCORD_ADDR=0.0.0.0:8080 CONCORD_LOG_FORMAT=json CONCORD_LOG=info
EXPOSE 8080
# The binary probes its own readiness endpoint: no shell tricks, no curl in the image.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s CMD ["concord", "healthcheck"]
# Without CONCORD_DATA the embedded default dataset is imported into /data/concord-data on first start.
# With a licensed SNOMED CT release: docker run -v $PWD/data:/data concord import --data /data/store /data/Snomed….zip
# Authentication: set CONCORD_JWKS (file or URL), CONCORD_ISSUER, CONCORD_AUDIENCE; without them the
# server warns at start that anyone who can reach it may use it. The audit trail goes to
# <data>/audit.ndjson unless CONCORD_AUDIT names another file.
CMD ["concord", "serve"]
