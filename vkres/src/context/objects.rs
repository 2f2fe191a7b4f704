//! The one creation path of the Vulkan objects vkres makes that have no memory of their own:
//! samplers, shader modules, image views, acceleration structures (in a buffer), fences,
//! semaphores, command pools and buffers, query pools, descriptor set layouts, pools and sets.
//! Buffers and images, which come with memory, go through `resources::buffer::create_named`
//! and `resources::image::create_owned` (their fault hook is the memory allocator's, see
//! [`FailingAllocator`](crate::memory::FailingAllocator)); everything else goes through here.
//!
//! Each constructor passes the context's fault point (the test hook of
//! [`Context::fail_nth_object_creation`]), makes the call, turns a failure into
//! [`Error::Vulkan`](crate::Error::Vulkan) with the operation's name, and names the object
//! where debug utils are on. One method per object kind: a valid-usage check of that kind's
//! create-info is one call at the top of its method.
//!
//! They are public on purpose: the [`ResourceManager`](crate::ResourceManager) (which uses
//! only public doors) and programs that make their own objects on a vkres context get the
//! same hook, errors and names. The caller owns what they return and destroys it with the
//! device's `vkDestroy*`/`vkFree*` before the context drops.

use ash::prelude::VkResult;
use ash::vk;

use super::Context;
use crate::error::{Result, VkContext};

impl Context {
    /// The path every constructor below takes: fault point, call, error, name.
    fn create_object<H: vk::Handle + Copy>(
        &self,
        operation: &'static str,
        name: &str,
        create: impl FnOnce(&ash::Device) -> VkResult<H>,
    ) -> Result<H> {
        self.fault_point(operation)?;
        let handle = create(&self.device).op(operation)?;
        // SAFETY: `handle` was just created on this context's device.
        unsafe { self.set_debug_name(handle, name) };
        Ok(handle)
    }

    /// `vkCreateSampler`, named `name`. Safe code gets pooled samplers from
    /// [`ResourceAllocator::create_sampler`](crate::ResourceAllocator::create_sampler).
    ///
    /// # Safety
    /// `info` must be a valid `VkSamplerCreateInfo` for this device (features it uses enabled,
    /// values within the device's limits). The caller destroys the sampler before the context drops.
    pub unsafe fn create_sampler(&self, info: &vk::SamplerCreateInfo<'_>, name: &str) -> Result<vk::Sampler> {
        // SAFETY: the caller's contract.
        self.create_object("vkCreateSampler", name, |d| unsafe { d.create_sampler(info, None) })
    }

    /// `vkCreateShaderModule` from SPIR-V words, named `name`. Safe code uses
    /// [`ShaderModule::from_words`](crate::ShaderModule::from_words), which checks the header.
    ///
    /// # Safety
    /// `words` must be a SPIR-V module valid for this device. The caller destroys the module
    /// before the context drops.
    pub unsafe fn create_shader_module(&self, words: &[u32], name: &str) -> Result<vk::ShaderModule> {
        let info = vk::ShaderModuleCreateInfo::default().code(words);
        // SAFETY: the caller's contract.
        self.create_object("vkCreateShaderModule", name, |d| unsafe { d.create_shader_module(&info, None) })
    }

    /// `vkCreateImageView`, named `name`.
    ///
    /// # Safety
    /// `info` must be a valid `VkImageViewCreateInfo` of a live image of this device. The
    /// caller destroys the view before the image and the context.
    pub unsafe fn create_image_view(&self, info: &vk::ImageViewCreateInfo<'_>, name: &str) -> Result<vk::ImageView> {
        // SAFETY: the caller's contract.
        self.create_object("vkCreateImageView", name, |d| unsafe { d.create_image_view(info, None) })
    }

    /// `vkCreateAccelerationStructureKHR`, named `name`;
    /// [`Error::MissingFeature`](crate::Error::MissingFeature) without `VK_KHR_acceleration_structure`.
    ///
    /// # Safety
    /// `info` must be valid: a live buffer of this device with
    /// `ACCELERATION_STRUCTURE_STORAGE_KHR` usage, bound to memory, with the range in it. The
    /// caller destroys the structure before the buffer and the context.
    pub unsafe fn create_acceleration_structure(
        &self,
        info: &vk::AccelerationStructureCreateInfoKHR<'_>,
        name: &str,
    ) -> Result<vk::AccelerationStructureKHR> {
        let fns = self.acceleration_structure_fns("create an acceleration structure")?;
        // SAFETY: the caller's contract; the extension is enabled (checked above).
        self.create_object("vkCreateAccelerationStructureKHR", name, |_| unsafe {
            fns.create_acceleration_structure(info, None)
        })
    }

    /// `vkCreateBuffer` without memory, named `name` (for memory the caller binds, e.g. imported
    /// host memory). Buffers with memory come from
    /// [`ResourceAllocator::create_buffer`](crate::ResourceAllocator::create_buffer).
    ///
    /// # Safety
    /// `info` must be a valid `VkBufferCreateInfo` for this device. The caller binds memory
    /// before use and destroys the buffer before the context drops.
    pub unsafe fn create_unbound_buffer(&self, info: &vk::BufferCreateInfo<'_>, name: &str) -> Result<vk::Buffer> {
        // SAFETY: the caller's contract.
        self.create_object("vkCreateBuffer", name, |d| unsafe { d.create_buffer(info, None) })
    }

    /// `vkCreateImage` without memory, named `name` (an image the caller binds to memory it
    /// has, as [`TransientMemory`](crate::memory::TransientMemory) does).
    ///
    /// # Safety
    /// `info` must be a valid `VkImageCreateInfo` for this device (format supported for its
    /// usage, limits). The caller binds memory before use and destroys the image before the
    /// context drops.
    pub unsafe fn create_unbound_image(&self, info: &vk::ImageCreateInfo<'_>, name: &str) -> Result<vk::Image> {
        // SAFETY: the caller's contract.
        self.create_object("vkCreateImage", name, |d| unsafe { d.create_image(info, None) })
    }

    /// `vkCreateFence`, named `name`.
    ///
    /// # Safety
    /// `info` must be valid (its chain of extensions this device enables). The caller destroys
    /// the fence, not in use by a pending submission, before the context drops.
    pub unsafe fn create_fence(&self, info: &vk::FenceCreateInfo<'_>, name: &str) -> Result<vk::Fence> {
        // SAFETY: the caller's contract.
        self.create_object("vkCreateFence", name, |d| unsafe { d.create_fence(info, None) })
    }

    /// `vkCreateSemaphore`, named `name`.
    ///
    /// # Safety
    /// `info` must be valid (a timeline semaphore needs the feature enabled). The caller destroys
    /// the semaphore, not in use by a pending submission, before the context drops.
    pub unsafe fn create_semaphore(&self, info: &vk::SemaphoreCreateInfo<'_>, name: &str) -> Result<vk::Semaphore> {
        // SAFETY: the caller's contract.
        self.create_object("vkCreateSemaphore", name, |d| unsafe { d.create_semaphore(info, None) })
    }

    /// `vkCreateCommandPool`, named `name`.
    ///
    /// # Safety
    /// `info` must name a queue family of this device. The caller destroys the pool, none of
    /// its command buffers pending, before the context drops.
    pub unsafe fn create_command_pool(
        &self,
        info: &vk::CommandPoolCreateInfo<'_>,
        name: &str,
    ) -> Result<vk::CommandPool> {
        // SAFETY: the caller's contract.
        self.create_object("vkCreateCommandPool", name, |d| unsafe { d.create_command_pool(info, None) })
    }

    /// `vkAllocateCommandBuffers`, each named `name`.
    ///
    /// # Safety
    /// `info` must name a live command pool of this device, which the caller synchronises
    /// externally for the call.
    pub unsafe fn allocate_command_buffers(
        &self,
        info: &vk::CommandBufferAllocateInfo<'_>,
        name: &str,
    ) -> Result<Vec<vk::CommandBuffer>> {
        // SAFETY: the caller's contract.
        self.allocate_objects("vkAllocateCommandBuffers", name, |d| unsafe { d.allocate_command_buffers(info) })
    }

    /// `vkCreateQueryPool`, named `name`.
    ///
    /// # Safety
    /// `info` must be valid for this device (query types of enabled features). The caller
    /// destroys the pool, unused by pending work, before the context drops.
    pub unsafe fn create_query_pool(&self, info: &vk::QueryPoolCreateInfo<'_>, name: &str) -> Result<vk::QueryPool> {
        // SAFETY: the caller's contract.
        self.create_object("vkCreateQueryPool", name, |d| unsafe { d.create_query_pool(info, None) })
    }

    /// `vkCreateDescriptorSetLayout`, named `name`.
    ///
    /// # Safety
    /// `info` must be valid for this device (binding flags of enabled features, counts within
    /// its limits). The caller destroys the layout before the context drops.
    pub unsafe fn create_descriptor_set_layout(
        &self,
        info: &vk::DescriptorSetLayoutCreateInfo<'_>,
        name: &str,
    ) -> Result<vk::DescriptorSetLayout> {
        // SAFETY: the caller's contract.
        self.create_object("vkCreateDescriptorSetLayout", name, |d| unsafe {
            d.create_descriptor_set_layout(info, None)
        })
    }

    /// `vkCreateDescriptorPool`, named `name`.
    ///
    /// # Safety
    /// `info` must be valid for this device (flags of enabled features). The caller destroys
    /// the pool, none of its sets in use by pending work, before the context drops.
    pub unsafe fn create_descriptor_pool(
        &self,
        info: &vk::DescriptorPoolCreateInfo<'_>,
        name: &str,
    ) -> Result<vk::DescriptorPool> {
        // SAFETY: the caller's contract.
        self.create_object("vkCreateDescriptorPool", name, |d| unsafe { d.create_descriptor_pool(info, None) })
    }

    /// `vkAllocateDescriptorSets`, each named `name`.
    ///
    /// # Safety
    /// `info` must name a live pool and layouts of this device, the pool with room for the
    /// sets and externally synchronised for the call.
    pub unsafe fn allocate_descriptor_sets(
        &self,
        info: &vk::DescriptorSetAllocateInfo<'_>,
        name: &str,
    ) -> Result<Vec<vk::DescriptorSet>> {
        // SAFETY: the caller's contract.
        self.allocate_objects("vkAllocateDescriptorSets", name, |d| unsafe { d.allocate_descriptor_sets(info) })
    }

    /// [`Self::create_object`] for the calls that allocate several objects at once: the fault
    /// point, the allocation, each object named `name`.
    fn allocate_objects<H: vk::Handle + Copy>(
        &self,
        operation: &'static str,
        name: &str,
        allocate: impl FnOnce(&ash::Device) -> VkResult<Vec<H>>,
    ) -> Result<Vec<H>> {
        self.fault_point(operation)?;
        let handles = allocate(&self.device).op(operation)?;
        if self.names_objects() {
            for &handle in &handles {
                // SAFETY: `handle` was just allocated on this context's device.
                unsafe { self.set_debug_name(handle, name) };
            }
        }
        Ok(handles)
    }
}
