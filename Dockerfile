# The image that ccbench export k8s runs: ccbench at /usr/local/bin/ccbench,
# the repository's experiments/ (with the traces they read) in the working
# folder /ccbench, and /results writable by the non-root user the pods run as.
#
#   docker build -t registry.example/ccbench:1 .
#
# To run an experiment of your own, put it under experiments/ before building:
# export k8s names it by its path below the repository's root.

# Build: a static binary (no cgo, so no C library is needed at run time).
# -trimpath keeps the builder's paths out of the binary; the commit is
# stamped from .git when the build context holds it (ccbench --version).
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ENV CGO_ENABLED=0
RUN go build -trimpath -o /out/ccbench ./cmd/ccbench \
 || { echo "no usable .git in the build context: building without the commit"; \
      go build -buildvcs=false -trimpath -o /out/ccbench ./cmd/ccbench; }
RUN mkdir /out/results

# Run: distroless static holds CA certificates, time zones and a nonroot
# user (uid 65532), and no shell or package manager.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/ccbench /usr/local/bin/ccbench
COPY --from=build /src/experiments /ccbench/experiments
COPY --from=build --chown=65532:65532 /out/results /results
WORKDIR /ccbench
USER nonroot
ENTRYPOINT ["/usr/local/bin/ccbench"]
