//! What the hand-written acceleration-structure builds share (the bench's `ways::accel` and
//! `examples/accel_probe/`): triangle geometry by device address, the build sizes query, and the
//! grid both the vkres and the hand-written ways build from.

use vkres::Buffer;
use vkres::ash::{self, vk};

/// A grid of `quads_x * quads_y` quads (two triangles each): vertices (a small height
/// pattern on z) and u32 indices.
pub fn grid(quads_x: u32, quads_y: u32) -> (Vec<[f32; 3]>, Vec<u32>) {
    let mut vertices = Vec::new();
    for y in 0..=quads_y {
        for x in 0..=quads_x {
            let h = ((x * 7 + y * 13) % 17) as f32 * 0.01;
            vertices.push([x as f32, y as f32, h]);
        }
    }
    let row = quads_x + 1;
    let mut indices = Vec::new();
    for y in 0..quads_y {
        for x in 0..quads_x {
            let i = y * row + x;
            indices.extend_from_slice(&[i, i + 1, i + row, i + 1, i + row + 1, i + row]);
        }
    }
    (vertices, indices)
}

/// The `(quads_x, quads_y)` of a [`grid`] with about `triangles` triangles: rows of at most
/// 1000 quads, at least one quad each way (`quads_x * quads_y * 2` triangles, rounded up).
pub fn grid_quads(triangles: u32) -> (u32, u32) {
    let quads_x = 1000u32.min(triangles / 2).max(1);
    let quads_y = (triangles / 2).div_ceil(quads_x).max(1);
    (quads_x, quads_y)
}

/// Triangle geometry in vk terms, as the hand-written ways hold it: R32G32B32 vertices and u32
/// indices by device address.
pub struct RawMesh {
    /// The vertex buffer's device address.
    pub vertices: vk::DeviceAddress,
    /// How many vertices it holds.
    pub vertex_count: u32,
    /// The index buffer's device address.
    pub indices: vk::DeviceAddress,
    /// How many triangles the indices make.
    pub triangles: u32,
}

impl RawMesh {
    /// The mesh of vkres buffers (made with `SHADER_DEVICE_ADDRESS`; an address they lack
    /// reads as 0).
    pub fn of(vertices: &Buffer<[f32; 3]>, indices: &Buffer<u32>) -> Self {
        RawMesh {
            vertices: vertices.device_address().unwrap_or_default(),
            vertex_count: vertices.len() as u32,
            indices: indices.device_address().unwrap_or_default(),
            triangles: (indices.len() / 3) as u32,
        }
    }

    /// The build range of [`geometry`](Self::geometry): every triangle.
    pub fn range(&self) -> [vk::AccelerationStructureBuildRangeInfoKHR; 1] {
        [vk::AccelerationStructureBuildRangeInfoKHR::default().primitive_count(self.triangles)]
    }

    /// One opaque triangle geometry of the mesh.
    pub fn geometry(&self) -> vk::AccelerationStructureGeometryKHR<'static> {
        let triangles = vk::AccelerationStructureGeometryTrianglesDataKHR::default()
            .vertex_format(vk::Format::R32G32B32_SFLOAT)
            .vertex_data(vk::DeviceOrHostAddressConstKHR { device_address: self.vertices })
            .vertex_stride(12)
            .max_vertex(self.vertex_count - 1)
            .index_type(vk::IndexType::UINT32)
            .index_data(vk::DeviceOrHostAddressConstKHR { device_address: self.indices });
        vk::AccelerationStructureGeometryKHR::default()
            .geometry_type(vk::GeometryTypeKHR::TRIANGLES)
            .geometry(vk::AccelerationStructureGeometryDataKHR { triangles })
            .flags(vk::GeometryFlagsKHR::OPAQUE)
    }
}

/// The flags every hand-written build uses.
pub const BUILD_FLAGS: vk::BuildAccelerationStructureFlagsKHR =
    vk::BuildAccelerationStructureFlagsKHR::PREFER_FAST_TRACE;

/// The device build of type `ty` with [`BUILD_FLAGS`] into `dst` over `geometries`, with its
/// scratch memory at `scratch` (aligned to `minAccelerationStructureScratchOffsetAlignment`).
pub fn build_info<'a>(
    ty: vk::AccelerationStructureTypeKHR,
    dst: vk::AccelerationStructureKHR,
    geometries: &'a [vk::AccelerationStructureGeometryKHR<'a>],
    scratch: vk::DeviceAddress,
) -> vk::AccelerationStructureBuildGeometryInfoKHR<'a> {
    vk::AccelerationStructureBuildGeometryInfoKHR::default()
        .ty(ty)
        .flags(BUILD_FLAGS)
        .mode(vk::BuildAccelerationStructureModeKHR::BUILD)
        .dst_acceleration_structure(dst)
        .geometries(geometries)
        .scratch_data(vk::DeviceOrHostAddressKHR { device_address: scratch })
}

/// Storage and scratch sizes of a device build of type `ty` with [`BUILD_FLAGS`] over
/// `geometries`, `counts` holding one primitive count per geometry. The extension must be
/// enabled on the device `fns` was loaded for.
pub fn build_sizes(
    fns: &ash::khr::acceleration_structure::Device,
    ty: vk::AccelerationStructureTypeKHR,
    geometries: &[vk::AccelerationStructureGeometryKHR<'_>],
    counts: &[u32],
) -> vk::AccelerationStructureBuildSizesInfoKHR<'static> {
    assert_eq!(geometries.len(), counts.len(), "one primitive count per geometry");
    let info =
        vk::AccelerationStructureBuildGeometryInfoKHR::default().ty(ty).flags(BUILD_FLAGS).geometries(geometries);
    let mut sizes = vk::AccelerationStructureBuildSizesInfoKHR::default();
    // SAFETY: the extension is enabled (the caller's contract); one count per geometry (checked).
    unsafe {
        fns.get_acceleration_structure_build_sizes(
            vk::AccelerationStructureBuildTypeKHR::DEVICE,
            &info,
            counts,
            &mut sizes,
        )
    };
    sizes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_sizes() {
        let (vertices, indices) = grid(4, 2);
        assert_eq!((vertices.len(), indices.len() / 3), (15, 16));
        assert!(indices.iter().all(|&i| (i as usize) < vertices.len()));
        assert_eq!(grid_quads(1_000_000), (1000, 500));
        assert_eq!(grid_quads(20_002), (1000, 11));
        assert_eq!(grid_quads(1), (1, 1));
    }
}
