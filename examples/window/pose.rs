//! Where the camera and the instances are at each frame: a function of the frame number alone,
//! so that a frame read back from the swapchain can be traced again on the CPU.

use vkres::{TlasInstanceRef, Transform3x4};

use super::scene::{self, RaytraceScene, View, custom_index, placement};

/// The camera and the instances' transforms of one frame.
pub struct Pose {
    pub view: View,
    pub transforms: [Transform3x4; 5],
}

/// Frame `frame`'s pose. Frame 0 is the main example's picture; after it the camera swings
/// about the scene, the red cube turns, the green sphere bobs, the tetrahedron turns the other
/// way and the small blue cube circles.
pub fn at(frame: u64) -> Pose {
    let t = frame as f32 * 0.05;
    let swing = 0.35 * t.sin();
    let (s, c) = swing.sin_cos();
    let origin = [6.0 * s, 2.4, 6.0 * c];
    let orbit = 0.6 * t;
    let [plane, _, _, _, _] = scene::instances().map(|i| i.transform);
    Pose {
        view: View::looking_from(origin),
        transforms: [
            plane,
            placement(30.0 + 40.0 * t, 0.6, [-1.7, 0.6, -0.2]),
            placement(0.0, 0.8, [0.3, 0.8 + 0.3 * (1.0 - (2.0 * t).cos()), 0.5]),
            placement(15.0 - 25.0 * t, 0.8, [2.0, 0.0, -0.4]),
            placement(-20.0 + 60.0 * t, 0.3, [1.2 + 0.4 * orbit.sin(), 0.3, 1.9 - 0.4 * (1.0 - orbit.cos())]),
        ],
    }
}

impl Pose {
    /// The TLAS's instances at this pose: the same BLASes, custom indices and order as the
    /// scene's `tlas` attribute (borrowed: a refit clones no handle).
    pub fn instances<'a>(&self, scene: &'a RaytraceScene) -> impl Iterator<Item = TlasInstanceRef<'a>> {
        let blases = [&scene.plane, &scene.cube, &scene.icosphere, &scene.tetrahedron, &scene.cube];
        blases
            .into_iter()
            .zip(self.transforms)
            .enumerate()
            .map(|(i, (blas, transform))| TlasInstanceRef::new(blas).transform(transform).custom_index(custom_index(i)))
    }
}
