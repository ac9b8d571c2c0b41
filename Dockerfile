# Intake: one static binary on a minimal, non-root image.
# CI builds the same binary with the same flags (`make build`), since no
# Docker engine runs there; keep the two build lines identical, and the Go
# release the same as the Makefile's GO_RELEASE.

FROM golang:1.27.3-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/intake ./cmd/intake \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/intake /usr/local/bin/intake
COPY --from=build --chown=65532:65532 /out/data /data
# Listen on every interface inside the container; set BASE_URL to the
# public address and DATABASE_URL to PostgreSQL in production.
ENV INTAKE_ADDR=0.0.0.0:8080 \
    INTAKE_DATA_DIR=/data
EXPOSE 8080
VOLUME ["/data"]
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/intake"]
CMD ["serve"]
