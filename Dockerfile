# aadlint in a container: a static musl binary in an empty image.
#   docker build -t aadlint .
#   docker run --rm -v "$PWD:/work" aadlint scan logs/ --fail-on reused-device-code
FROM rust:1-alpine AS build
RUN apk add --no-cache musl-dev
WORKDIR /src
COPY . .
# Alpine's Rust targets musl and links statically; no debug info in the image.
RUN CARGO_PROFILE_RELEASE_DEBUG=0 CARGO_PROFILE_RELEASE_STRIP=true cargo build --release --locked \
    && ./target/release/aadlint --version

FROM scratch
COPY --from=build /src/target/release/aadlint /usr/local/bin/aadlint
WORKDIR /work
ENTRYPOINT ["aadlint"]
