# Sourced by .ci/setup and .ci/setup-tests: installs the Debian packages named, if any.
SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null; then SUDO="sudo"; fi

apt_install() {
  [ $# -gt 0 ] || return 0
  if command -v apt-get >/dev/null; then
    echo "setup: installing $*"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  else
    echo "setup: WARNING: no apt-get; install $* yourself (what needs them will be skipped)" >&2
  fi
}
