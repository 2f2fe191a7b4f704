#!/usr/bin/env bash
# Device-tool script (H100): run from the repository root with .gl, .gl2 and .devbin carried; see tools/device/README.md.
# sourced on the device machine: loader + layer from the carried debs, NVIDIA ICD, TLS preload
for f in .gl/libegl1*.deb .gl/libgl1*.deb .gl/libgles2*.deb .gl/libglvnd0*.deb .gl/libglx0*.deb .gl/libopengl0*.deb; do dpkg -x $f /; done
if [ "${LOADER:-new}" = new ]; then for f in .gl2/*.deb; do dpkg -x $f /; done; else for f in .gl/libvulkan1*.deb .gl/vulkan-validationlayers*.deb; do dpkg -x $f /; done; fi
ldconfig
export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
export LD_PRELOAD=$(ls /usr/local/nvidia/lib64/libnvidia-tls.so.* | head -1)
nvidia-smi -L; ls -l /usr/lib/x86_64-linux-gnu/libvulkan.so.1*
