//! The wgpu way (its Vulkan backend), built only with `--features wgpu`; without the feature
//! [`WgpuWay::new`] returns `None` and every wgpu figure is `null`.

#[cfg(feature = "wgpu")]
pub use enabled::{WgpuBuffer, WgpuWay};

#[cfg(not(feature = "wgpu"))]
pub use disabled::{WgpuBuffer, WgpuWay};

#[cfg(feature = "wgpu")]
mod enabled {
    use crate::BenchResult;

    /// A wgpu device and queue on the Vulkan backend.
    pub struct WgpuWay {
        device: wgpu::Device,
        queue: wgpu::Queue,
        name: String,
        max_buffer_size: u64,
    }

    /// A buffer of the wgpu way.
    pub struct WgpuBuffer(wgpu::Buffer);

    impl WgpuWay {
        /// The high-performance Vulkan adapter with its own limits, or `None` (printed why).
        pub fn new() -> Option<Self> {
            let instance = wgpu::Instance::new(wgpu::InstanceDescriptor {
                backends: wgpu::Backends::VULKAN,
                ..wgpu::InstanceDescriptor::new_without_display_handle()
            });
            let options = wgpu::RequestAdapterOptions {
                power_preference: wgpu::PowerPreference::HighPerformance,
                ..Default::default()
            };
            let adapter = match pollster::block_on(instance.request_adapter(&options)) {
                Ok(adapter) => adapter,
                Err(e) => {
                    eprintln!("wgpu: no Vulkan adapter ({e}): the wgpu way is skipped");
                    return None;
                }
            };
            let limits = adapter.limits();
            let desc = wgpu::DeviceDescriptor {
                label: Some("vkres-bench"),
                required_limits: limits.clone(),
                ..Default::default()
            };
            let (device, queue) = match pollster::block_on(adapter.request_device(&desc)) {
                Ok(pair) => pair,
                Err(e) => {
                    eprintln!("wgpu: no device ({e}): the wgpu way is skipped");
                    return None;
                }
            };
            let info = adapter.get_info();
            let name = format!("{} ({:?}, {})", info.name, info.backend, info.driver_info);
            Some(WgpuWay { device, queue, name, max_buffer_size: limits.max_buffer_size })
        }

        /// The adapter's name, backend and driver.
        pub fn name(&self) -> &str {
            &self.name
        }

        /// A device buffer that uploads land in, or `None` where `size` exceeds the limits.
        pub fn upload_target(&self, size: u64) -> Option<WgpuBuffer> {
            (size <= self.max_buffer_size).then(|| {
                WgpuBuffer(self.device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some("upload"),
                    size,
                    usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::COPY_SRC,
                    mapped_at_creation: false,
                }))
            })
        }

        /// What a wgpu user writes: `Queue::write_buffer` (a memcpy into wgpu's staging), a
        /// submission, and a blocking poll until the device has the data.
        pub fn upload(&self, target: &WgpuBuffer, data: &[u8]) -> BenchResult<()> {
            self.queue.write_buffer(&target.0, 0, data);
            self.queue.submit([]);
            self.device.poll(wgpu::PollType::wait_indefinitely())?;
            Ok(())
        }

        /// The first `size` bytes of `buffer`, copied into a mapped buffer and read.
        pub fn read(&self, buffer: &WgpuBuffer, size: u64) -> BenchResult<Vec<u8>> {
            let back = self.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("read back"),
                size,
                usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            });
            let mut encoder = self.device.create_command_encoder(&Default::default());
            encoder.copy_buffer_to_buffer(&buffer.0, 0, &back, 0, size);
            self.queue.submit([encoder.finish()]);
            let (tx, rx) = std::sync::mpsc::channel();
            back.map_async(wgpu::MapMode::Read, .., move |r| {
                let _ = tx.send(r);
            });
            self.device.poll(wgpu::PollType::wait_indefinitely())?;
            rx.recv()??;
            let out = back.get_mapped_range(..)?.to_vec();
            back.unmap();
            Ok(out)
        }

        /// `count` buffers of `size` bytes (storage, copy destination), created.
        pub fn create_buffers(&self, count: usize, size: u64) -> Vec<WgpuBuffer> {
            (0..count)
                .map(|_| {
                    WgpuBuffer(self.device.create_buffer(&wgpu::BufferDescriptor {
                        label: None,
                        size,
                        usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
                        mapped_at_creation: false,
                    }))
                })
                .collect()
        }
    }
}

#[cfg(not(feature = "wgpu"))]
mod disabled {
    use crate::BenchResult;

    /// Without the `wgpu` feature there is no wgpu way: this type has no values.
    pub enum WgpuWay {}

    /// Without the `wgpu` feature there are no wgpu buffers.
    pub enum WgpuBuffer {}

    impl WgpuWay {
        /// Always `None`: built without the `wgpu` feature.
        pub fn new() -> Option<Self> {
            eprintln!("wgpu: built without `--features wgpu`: the wgpu way is skipped");
            None
        }

        pub fn name(&self) -> &str {
            match *self {}
        }

        pub fn upload_target(&self, _size: u64) -> Option<WgpuBuffer> {
            match *self {}
        }

        pub fn upload(&self, _target: &WgpuBuffer, _data: &[u8]) -> BenchResult<()> {
            match *self {}
        }

        pub fn read(&self, _buffer: &WgpuBuffer, _size: u64) -> BenchResult<Vec<u8>> {
            match *self {}
        }

        pub fn create_buffers(&self, _count: usize, _size: u64) -> Vec<WgpuBuffer> {
            match *self {}
        }
    }
}
