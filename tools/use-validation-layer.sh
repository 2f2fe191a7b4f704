# Sourced (not run) by tools/run-example.sh and tools/run-tests.sh, from the repository root:
# a newer validation layer than the system's, where it can be had: every test and example runs
# under it through cargo's target runner (tools/ensure-validation-layer.sh says how and why).
if prefix=$(tools/ensure-validation-layer.sh); then
    export VKRES_LAYER_PREFIX="$prefix"
    export CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUNNER="$PWD/tools/vk-runner.sh"
    echo "validation layer: Debian's vulkan-validationlayers $(basename "$prefix") (private prefix $prefix)"
else
    echo "validation layer: the system's"
fi
