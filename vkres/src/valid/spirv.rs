//! SPIR-V validation for the shader paths (see [`spirv_module`](super::spirv_module) for what
//! is checked).

pub(crate) use super::spirv_module::check_module;

#[cfg(test)]
mod tests {
    use super::check_module;

    fn words(bytes: &[u8]) -> Vec<u32> {
        bytes.chunks_exact(4).map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]])).collect()
    }

    const SHADERS: [(&str, &[u8]); 6] = [
        ("empty_compute", include_bytes!("../../../tests/fixtures/empty_compute.spv")),
        ("textured_quad", include_bytes!("../../../shaders/textured_quad.spv")),
        ("raytrace_query", include_bytes!("../../../shaders/raytrace_query.spv")),
        ("raytrace_pipeline", include_bytes!("../../../shaders/raytrace_pipeline.spv")),
        ("ray_query", include_bytes!("../../../shaders/ray_query.spv")),
        ("bindless_sum", include_bytes!("../../../shaders/bindless_sum.spv")),
    ];

    #[test]
    fn every_shader_of_the_repository_is_valid() {
        for (name, bytes) in SHADERS {
            assert_eq!(check_module(&words(bytes)), Ok(()), "{name}");
        }
    }

    #[test]
    fn a_valid_header_with_a_garbage_body_is_refused() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for (name, bytes) in SHADERS {
            let good = words(bytes);
            // Random words after the header, of every length up to the module's.
            for len in [1, 2, 7, 64, good.len() - 5] {
                let mut bad = good[..5].to_vec();
                bad.extend((0..len).map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    seed as u32
                }));
                assert!(check_module(&bad).is_err(), "{name}: {len} random words accepted");
            }
            // The module cut short; its first instruction's opcode word garbage. (A changed
            // literal inside an instruction can still be a valid module: not tried.)
            assert!(check_module(&good[..good.len() - 1]).is_err(), "{name}: truncated");
            let mut bad = good.clone();
            bad[5] = 0xffff_ffff;
            assert!(check_module(&bad).is_err(), "{name}: a garbage opcode accepted");
            // Only a header: no memory model, no entry point.
            assert!(check_module(&good[..5]).is_err(), "{name}: header only");
        }
    }

    #[test]
    fn the_derive_checks_with_the_same_file() {
        assert_eq!(
            include_str!("spirv_module.rs"),
            include_str!("../../../vkres-derive/src/spirv_module.rs"),
            "vkres-derive/src/spirv_module.rs must be a copy of vkres/src/valid/spirv_module.rs"
        );
    }
}
