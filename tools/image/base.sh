#!/usr/bin/env bash
# Builds a local Debian bookworm base image (Python 3.11) with debootstrap, for hosts that
# cannot pull python:3.11-slim from Docker Hub. Prints the image id (sha256:...) on stdout.
# Usage: tools/image/base.sh [TAG]   (default kb-base:bookworm; reused when it exists)
set -euo pipefail
tag=${1:-kb-base:bookworm}
if id=$(docker image inspect --format '{{.Id}}' "$tag" 2>/dev/null); then
  echo "$id"; exit 0
fi
command -v debootstrap >/dev/null || apt-get install -y -q debootstrap >&2
rootfs=$(mktemp -d /tmp/kb-base.XXXXXX)
trap 'rm -rf "$rootfs"' EXIT
# minbase + the Python the app needs; the mirror is debootstrap's default one
debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
  bookworm "$rootfs" >&2
chroot "$rootfs" apt-get clean
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*
tar -C "$rootfs" -c . | docker import \
  --change 'ENV LANG=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["/bin/bash"]' - "$tag" >&2
docker image inspect --format '{{.Id}}' "$tag"
