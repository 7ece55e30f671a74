# zoneward as a container image, for `zoneward serve`:
#
#   docker build --build-arg VERSION=v1.2.3 -t zoneward .
#   docker run -e ZONEWARD_WEBHOOK_SECRET -e ZONEWARD_GIT_TOKEN -e CLOUDFLARE_API_TOKEN \
#     -v zones:/var/lib/zoneward -p 8080:8080 zoneward \
#     serve --repo /var/lib/zoneward/zones --remote https://github.com/acme/dns-zones.git
#
# The build stage compiles a static binary (no cgo); the image is
# distroless/static: no shell, no package manager, CA certificates and
# /etc/passwd only, running as its unprivileged "nonroot" user (65532).
# Pin the base images by digest (image@sha256:…) where you build for
# production; the tags below say which ones.

FROM golang:1.26 AS build
WORKDIR /src
# Modules first, so the download layer is reused while only code changes.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# The context has no .git (see .dockerignore), so the version comes in as
# a build argument, as `zoneward version` reports it.
ARG VERSION=(devel)
RUN CGO_ENABLED=0 go build -trimpath -buildvcs=false \
      -ldflags="-s -w -X main.version=${VERSION}" -o /out/zoneward ./cmd/zoneward && \
    mkdir -p /out/var/lib/zoneward

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/zoneward /usr/local/bin/zoneward
# The clone, the state file and zone files live here; mount a volume.
COPY --from=build --chown=65532:65532 /out/var/lib/zoneward /var/lib/zoneward
USER 65532:65532
WORKDIR /var/lib/zoneward
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/zoneward"]
CMD ["serve", "--repo", "/var/lib/zoneward/zones"]
