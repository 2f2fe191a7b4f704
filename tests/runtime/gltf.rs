//! The glTF example (`examples/gltf/`) on real assets no one here wrote: the Khronos samples of
//! Debian's `assimp-testmodels` (installed by `tools/ensure-deps.sh`). `files` loads the good
//! and the broken ones (each broken one a typed error); `picture` draws two of them and checks
//! every pixel against a CPU trace of the same data (`reference`).

mod faults;
mod files;
mod hostile;
mod picture;
mod reference;

// The example's modules, as they are; the tests use most but not all of what they offer.
#[allow(dead_code)]
#[path = "../../examples/gltf/load.rs"]
pub mod load;
#[allow(dead_code)]
#[path = "../../examples/gltf/render.rs"]
pub mod render;
#[allow(dead_code)]
#[path = "../../examples/gltf/scene.rs"]
pub mod scene;

use std::path::PathBuf;

/// Where Debian's `assimp-testmodels` puts the Khronos glTF samples.
const MODELS: &str = "/usr/share/assimp/models/glTF2";

/// The sample `relative` to `$VKRES_GLTF_MODELS` (a copy of that folder, for a machine without
/// the package: the H100's), else to [`MODELS`]; fails, saying how to install them, where it is
/// missing.
pub fn model(relative: &str) -> PathBuf {
    let root = std::env::var_os("VKRES_GLTF_MODELS").map_or_else(|| PathBuf::from(MODELS), PathBuf::from);
    let path = root.join(relative);
    assert!(
        path.is_file(),
        "{} is missing: install Debian's assimp-testmodels (tools/ensure-deps.sh does), or point \
         VKRES_GLTF_MODELS at a copy of its glTF2 folder",
        path.display()
    );
    path
}
