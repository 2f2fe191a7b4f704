use super::{Case, case};
use vkres::{ImageDesc, vk};
pub fn cases() -> Vec<Case> {
    vec![
        case!("limits", |gpu| { let l = gpu.ctx().capabilities().limits; Err::<(), _>(vkres::Error::InvalidDescription { name: format!("1d {} 2d {} 3d {} cube {} layers {}", l.max_image_dimension1_d, l.max_image_dimension2_d, l.max_image_dimension3_d, l.max_image_dimension_cube, l.max_image_array_layers), reason: String::new() }) } => _ if false),
        case!("cube past limit (probe query only)", |gpu| {
            let l = gpu.ctx().capabilities().limits;
            let mut d = ImageDesc::new_cube(vk::Format::R8_UNORM, l.max_image_dimension_cube + 1, vk::ImageUsageFlags::SAMPLED);
            d.name = "bigcube".into();
            if l.max_image_dimension_cube >= l.max_image_dimension2_d { return Err(vkres::Error::InvalidDescription { name: "equal limits".into(), reason: String::new() }); }
            gpu.alloc().create_image(&d).map(drop)
        } => _ if false),
    ]
}
#[test]
fn probe_cases() {
    super::run("probe", cases);
}
