# A small static image: the binary built against musl, on an empty base.
# docker build -t compliance .   (the release build takes 20+ minutes on 2 cores)
FROM rust:1.85-alpine AS build
RUN apk add --no-cache musl-dev
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin compliance \
 && strip target/release/compliance

FROM scratch
# CA roots for HTTPS to AWS.
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /src/target/release/compliance /compliance
USER 65534:65534
ENTRYPOINT ["/compliance"]
