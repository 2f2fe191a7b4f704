//! Transient memory on the front door: [`ResourceAllocator::create_transient_memory`] sizes one
//! allocation for several resources; `create_aliased_buffer` / `create_aliased_image` bind them.

use std::sync::{Arc, Mutex};

use ash::vk;

use super::ResourceAllocator;
use crate::Context;
use crate::error::{Error, Result};
use crate::memory::{MappingType, MemoryAllocation, MemoryAllocator, MemoryLocation, MemoryRequest, TransientMemory};
use crate::resources::{Buffer, BufferDesc, Image, ImageDesc, buffer, image};

impl ResourceAllocator {
    /// Allocates memory that every resource of `buffers` and `images` fits at its start (the
    /// largest size and alignment, the memory types all of them can use), named `name`, for
    /// them to share: resources whose device lifetimes do not overlap. Each description is
    /// checked as its creation would check it. The memory is mapped where a buffer asks for
    /// host access (the first such buffer's mapping). No common memory type:
    /// [`Error::InvalidDescription`].
    pub fn create_transient_memory(
        &self,
        buffers: &[&BufferDesc],
        images: &[&ImageDesc],
        name: &str,
    ) -> Result<TransientMemory> {
        let probe = Probe { ctx: self.context().clone(), found: Mutex::new(None) };
        for desc in buffers {
            probe.run(buffer::create::<u8>(&probe, desc).map(drop))?;
        }
        for desc in images {
            probe.run(image::create(&probe, desc).map(drop))?;
        }
        let Some(requirements) = probe.found.into_inner().unwrap_or_else(|e| e.into_inner()) else {
            return Err(Error::InvalidDescription { name: name.into(), reason: "no resource to size it for".into() });
        };
        let mapping = buffers.iter().map(|d| d.mapping).find(|m| *m != MappingType::None).unwrap_or_default();
        let location = buffers.iter().map(|d| d.location).find(|l| *l != MemoryLocation::Auto).unwrap_or_default();
        let request = MemoryRequest { mapping, location, ..MemoryRequest::new(name) };
        TransientMemory::new(self.memory.clone(), &requirements, &request)
    }

    /// Creates a buffer bound to the start of `memory` (which must be large enough and of a
    /// memory type it can use: else [`Error::InvalidDescription`]).
    pub fn create_aliased_buffer(&self, memory: &TransientMemory, desc: &BufferDesc) -> Result<Buffer> {
        self.check_same_device(memory, &desc.name)?;
        buffer::create(memory, desc)
    }

    /// Creates an image bound to the start of `memory`, as
    /// [`create_aliased_buffer`](Self::create_aliased_buffer).
    pub fn create_aliased_image(&self, memory: &TransientMemory, desc: &ImageDesc) -> Result<Image> {
        self.check_same_device(memory, &desc.name)?;
        image::create(memory, desc)
    }

    fn check_same_device(&self, memory: &TransientMemory, name: &str) -> Result<()> {
        match Arc::ptr_eq(memory.context(), self.context()) {
            true => Ok(()),
            false => Err(Error::WrongDevice { name: name.to_owned() }),
        }
    }
}

/// A memory allocator that allocates nothing: it records the memory requirements of the
/// create info the resource code hands it (checked there as for a real creation, read with
/// `vkGetDevice*MemoryRequirements` without creating the object) and fails the creation.
#[derive(Debug)]
struct Probe {
    ctx: Arc<Context>,
    /// The requirements of every resource probed so far, combined.
    found: Mutex<Option<vk::MemoryRequirements>>,
}

impl Probe {
    /// The reason of the probe's own failure, which [`run`](Self::run) swallows.
    const PROBED: &'static str = "probed";

    fn record(&self, reqs: vk::MemoryRequirements) -> Error {
        let mut found = self.found.lock().unwrap_or_else(|e| e.into_inner());
        *found = Some(match *found {
            None => reqs,
            Some(f) => vk::MemoryRequirements {
                size: f.size.max(reqs.size),
                alignment: f.alignment.max(reqs.alignment),
                memory_type_bits: f.memory_type_bits & reqs.memory_type_bits,
            },
        });
        Error::InvalidDescription { name: String::new(), reason: Self::PROBED.into() }
    }

    /// The result of one probed creation: its own failure is success; a failure before the
    /// probe was reached (the description is invalid) is the error.
    fn run(&self, made: Result<()>) -> Result<()> {
        match made {
            Err(Error::InvalidDescription { name, reason }) if name.is_empty() && reason == Self::PROBED => Ok(()),
            Err(e) => Err(e),
            Ok(()) => Err(Error::InvalidDescription {
                name: String::new(),
                reason: "a transient resource was created without memory".into(),
            }),
        }
    }
}

impl MemoryAllocator for Probe {
    fn context(&self) -> &Arc<Context> {
        &self.ctx
    }

    unsafe fn create_buffer(
        &self,
        info: &vk::BufferCreateInfo<'_>,
        _request: &MemoryRequest<'_>,
    ) -> Result<(vk::Buffer, Box<dyn MemoryAllocation>)> {
        let mut reqs = vk::MemoryRequirements2::default();
        let query = vk::DeviceBufferMemoryRequirements::default().create_info(info);
        // SAFETY: the caller vouches for `info` (checked as for a creation); Vulkan 1.3 core.
        unsafe { self.ctx.device().get_device_buffer_memory_requirements(&query, &mut reqs) };
        Err(self.record(reqs.memory_requirements))
    }

    unsafe fn create_image(
        &self,
        info: &vk::ImageCreateInfo<'_>,
        _request: &MemoryRequest<'_>,
    ) -> Result<(vk::Image, Box<dyn MemoryAllocation>)> {
        let mut reqs = vk::MemoryRequirements2::default();
        let query = vk::DeviceImageMemoryRequirements::default().create_info(info);
        // SAFETY: the caller vouches for `info` (checked as for a creation); Vulkan 1.3 core.
        unsafe { self.ctx.device().get_device_image_memory_requirements(&query, &mut reqs) };
        Err(self.record(reqs.memory_requirements))
    }

    fn live_allocations(&self) -> usize {
        0
    }

    fn live_allocation_names(&self) -> Vec<String> {
        Vec::new()
    }
}
