# clika in a container: FROM scratch - the static musl binary and nothing else
# (no shell, no libc, no /etc). Build the binary first, then the image:
#
#   apt-get install -y musl-tools
#   make CC=musl-gcc STATIC=1                  # build/x86_64-linux-musl-ref-static/clika
#   docker build -t clika .
#
# Another binary (PORT=avx2, or a cross-built ARM one for an ARM host):
#   docker build --build-arg CLIKA_BIN=build/x86_64-linux-musl-avx2-static/clika -t clika .
#
# Run: the image's entry point is clika; mount the model, the data and an
# output directory (clika needs no /proc, /dev or /tmp):
#   docker run --rm clika --version
#   docker run --rm -v "$PWD/models:/models:ro" clika info /models/m.gguf
#   docker run --rm -v "$PWD/models:/models:ro" -v "$PWD/../shared/clika:/data:ro" \
#       -v "$PWD/out:/out" clika eval /models/m.gguf --data /data --out /out
#
# `make check-static` runs the same binary the same way (an empty root
# directory, with unshare) without docker.
FROM scratch
ARG CLIKA_BIN=build/x86_64-linux-musl-ref-static/clika
COPY ${CLIKA_BIN} /clika
ENTRYPOINT ["/clika"]
