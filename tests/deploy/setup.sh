#!/usr/bin/env bash
# Makes this Debian 12 machine able to build and run Mart's containers with no registry:
# podman (runtime runc, ulimits it may set), Compose against podman's API, and the two base
# images the Dockerfiles name (debian:bookworm, debian:bookworm-slim), made by debootstrap from
# the machine's own apt source. Idempotent: what is present is kept.
set -euo pipefail
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)

# netavark and aardvark-dns: without them podman 4.3 falls back to CNI, whose networks give
# containers no names to resolve (Prometheus could not find mart, nor mart the broker).
# iptables: netavark 1.4 sets up every bridge network with it, and Debian only suggests it, so a
# machine without it fails the image's first RUN step ("netavark: No such file or directory").
packages=(podman runc netavark aardvark-dns iptables debootstrap docker-compose curl python3)
# kubectl renders the kustomization: the Kubernetes project's package when an apt source offers
# it (Debian's kubernetes-client 1.20 embeds a kustomize too old for `labels` and `envs`).
if ! command -v kubectl >/dev/null; then
  if apt-cache policy kubectl 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    packages+=(kubectl)
  else
    packages+=(kubernetes-client)
  fi
fi
command -v systemd-analyze >/dev/null || packages+=(systemd)
command -v node >/dev/null || packages+=(nodejs npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# crun (Debian's default) refuses a hybrid cgroup layout and podman's default ulimits are refused
# in a container host without CAP_SYS_RESOURCE: a drop-in, so an operator's containers.conf stays.
dropin=/etc/containers/containers.conf.d/50-mart-test-deploy.conf
dropin_text=$(printf '%s\n' '# Written by Mart'"'"'s make test-deploy (tests/deploy/setup.sh).' \
  '[containers]' 'default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]' \
  '[engine]' 'runtime = "runc"' '[network]' 'network_backend = "netavark"')
if [ "$(cat "$dropin" 2>/dev/null)" != "$dropin_text" ]; then
  $SUDO install -d /etc/containers/containers.conf.d
  printf '%s\n' "$dropin_text" | $SUDO tee "$dropin" >/dev/null
fi
runtime=$(podman info --format '{{.Host.OCIRuntime.Name}}')
[ "$runtime" = runc ] || { echo "podman runs $runtime, not runc: check $dropin" >&2; exit 1; }
# A machine that ran podman with CNI before keeps CNI's bridge on the subnet netavark takes
# (10.88.0.0/16): published ports then have no route. With no container left, it is stale.
if ip link show cni-podman0 >/dev/null 2>&1 && [ -z "$(podman ps -aq)" ]; then
  echo "removing the stale CNI bridge cni-podman0"
  $SUDO ip link delete cni-podman0
fi
backend=$(podman info --format '{{.Host.NetworkBackend}}')
[ "$backend" = netavark ] || { echo "podman's network backend is $backend, not netavark: check $dropin" >&2; exit 1; }

# Base images: a minimal bookworm from the apt mirror this machine uses.
mirror=$(grep -rhoE '^(deb|URIs:)[^#]*https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list \
  /etc/apt/sources.list.d/ 2>/dev/null | grep -oE 'https?://[^ ]+' | head -n1 || true)
mirror=${mirror:-http://deb.debian.org/debian}
for tag in bookworm bookworm-slim; do
  if podman image exists "docker.io/library/debian:$tag"; then continue; fi
  if ! podman image exists localhost/mart-base:bookworm; then
    root=$(mktemp -d)
    echo "debootstrap --variant=minbase bookworm from $mirror"
    $SUDO debootstrap --variant=minbase bookworm "$root" "$mirror" >/dev/null
    $SUDO chroot "$root" apt-get clean
    $SUDO rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin
    $SUDO tar -C "$root" -c . | podman import --quiet --change 'CMD ["bash"]' - localhost/mart-base:bookworm >/dev/null
    $SUDO rm -rf "$root"
  fi
  podman tag localhost/mart-base:bookworm "docker.io/library/debian:$tag"
done
podman images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E 'debian|mart-base'
