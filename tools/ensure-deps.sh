#!/usr/bin/env bash
# Makes sure this machine has what vkres' build, tests and examples need:
#   - a C++ compiler (vk-mem builds the Vulkan Memory Allocator from C++ source),
#   - the Vulkan loader (libvulkan1),
#   - the Khronos validation layer (vulkan-validationlayers),
#   - a Vulkan driver. On Debian bookworm that is Mesa's lavapipe from bookworm-backports
#     (Mesa >= 25: acceleration structures, ray query, ray-tracing pipelines); bookworm's own
#     Mesa 22.3 has no acceleration structures.
# Idempotent: when everything is there it installs nothing and prints one line.
# Where it cannot install (not root, not Debian, no apt), it says exactly what is missing.
set -euo pipefail

want_mesa_major=25
missing=()

have_loader() { ldconfig -p 2>/dev/null | grep 'libvulkan\.so\.1' >/dev/null; }
have_layer() {
    local d
    for d in /usr/share/vulkan/explicit_layer.d /usr/local/share/vulkan/explicit_layer.d /etc/vulkan/explicit_layer.d; do
        [ -f "$d/VkLayer_khronos_validation.json" ] && return 0
    done
    return 1
}
mesa_major() {
    dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null | sed -E 's/^([0-9]+:)?([0-9]+).*/\2/'
}
have_driver() {
    # A driver other than Debian's Mesa (a vendor driver) counts as present: vkres never
    # hard-codes lavapipe. Debian's Mesa must be new enough for acceleration structures.
    local m
    m=$(mesa_major || true)
    if [ -n "$m" ]; then
        [ "$m" -ge "$want_mesa_major" ]
        return
    fi
    compgen -G "/usr/share/vulkan/icd.d/*.json" >/dev/null || compgen -G "/etc/vulkan/icd.d/*.json" >/dev/null
}

have_cxx() { command -v c++ >/dev/null 2>&1 || command -v g++ >/dev/null 2>&1; }
# The window example runs under Xvfb in the test command; winit loads the X client libraries at
# run time.
window_packages=(xvfb xauth libx11-6 libxcursor1 libxrandr2 libxi6 libxkbcommon-x11-0)
have_window() {
    command -v xvfb-run >/dev/null 2>&1 || return 1
    local lib libs
    # Read once, then searched: `ldconfig -p | grep -q` under `pipefail` fails at random
    # (grep exits at the first match and ldconfig dies of SIGPIPE), which reported present
    # libraries as missing.
    libs=$(ldconfig -p 2>/dev/null) || return 1
    for lib in libX11.so.6 libXcursor.so.1 libXrandr.so.2 libXi.so.6 libxkbcommon-x11.so.0; do
        grep -qF "$lib" <<<"$libs" || return 1
    done
}

# Real glTF 2.0 assets for the glTF example and its picture test (examples/gltf/): Debian's
# assimp-testmodels ships Khronos sample models under /usr/share/assimp/models/glTF2/.
have_models() { [ -f /usr/share/assimp/models/glTF2/2CylinderEngine-glTF-Binary/2CylinderEngine.glb ]; }

have_cxx || missing+=(g++)
have_loader || missing+=(libvulkan1)
have_layer || missing+=(vulkan-validationlayers)
have_driver || missing+=("mesa-vulkan-drivers>=${want_mesa_major} (bookworm-backports)")
have_window || missing+=("${window_packages[@]}")
have_models || missing+=(assimp-testmodels)

if [ ${#missing[@]} -eq 0 ]; then
    echo "deps: C++ compiler, Vulkan loader, validation layer, driver, Xvfb and glTF test models present"
    exit 0
fi

echo "deps: missing: ${missing[*]}"
explain() {
    cat >&2 <<MSG
vkres needs, as root on Debian bookworm:
  echo 'deb http://deb.debian.org/debian bookworm-backports main' > /etc/apt/sources.list.d/bookworm-backports.list
  apt-get update
  apt-get install -y g++ libvulkan1 vulkan-validationlayers assimp-testmodels ${window_packages[*]}
  apt-get install -y -t bookworm-backports mesa-vulkan-drivers
Elsewhere: install a C++ compiler, the Vulkan loader, the Khronos validation layer and a Vulkan 1.3 driver
with VK_KHR_acceleration_structure (Mesa >= ${want_mesa_major} lavapipe, or a GPU vendor's driver).
MSG
}
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null || ! grep -q 'bookworm' /etc/os-release 2>/dev/null; then
    echo "deps: cannot install here ($(id -un), $(. /etc/os-release 2>/dev/null; echo "${PRETTY_NAME:-unknown OS}"))." >&2
    explain
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
list=/etc/apt/sources.list.d/bookworm-backports.list
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo 'deb http://deb.debian.org/debian bookworm-backports main' > "$list"
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends g++ libvulkan1 vulkan-validationlayers assimp-testmodels "${window_packages[@]}" >/dev/null
apt-get install -y -qq --no-install-recommends -t bookworm-backports mesa-vulkan-drivers >/dev/null
ldconfig
if have_cxx && have_loader && have_layer && have_driver && have_window && have_models; then
    echo "deps: installed; Mesa $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers)"
else
    echo "deps: install ran but something is still missing" >&2
    explain
    exit 1
fi
