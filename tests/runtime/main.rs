//! Every runtime test of vkres, in one binary, on the machine's Vulkan driver (Mesa's lavapipe
//! in CI, a GPU where there is one) with validation on. See `support.rs` for what each test
//! checks when it ends.

mod support;

mod accel;
mod buffers;
mod catalogue;
mod context;
mod cpu_trace;
mod derive;
mod derive_alias;
mod derive_binding_arrays;
mod derive_collections;
mod derive_counting;
mod derive_descriptors;
mod derive_frames;
mod derive_kinds;
mod derive_order;
mod derive_resize;
mod derive_sizes;
mod derive_sub_blases;
mod direct_writes;
mod faults;
mod frame_layouts;
mod frames;
mod gltf;
mod host_reads;
mod image_data;
mod images;
mod import;
mod in_flight;
mod kernel;
mod logging;
mod manager;
mod memory;
mod mint_interop;
mod raytrace_picture;
mod recorder;
mod ring_fences;
mod samplers;
mod send_sync;
mod shaders;
mod staging;
mod sub_buffers;
mod threads;
mod transfer_queue;
mod window_extent;
