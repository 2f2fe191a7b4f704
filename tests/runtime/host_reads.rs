//! Host reads through a buffer's mapping against recorded work (issue 16, "Not done yet"):
//! refused with `InUseByRecordedWork` while a copy or staged upload vkres recorded into the
//! buffer is not known to be finished (the read would return the bytes from before it); work
//! that only reads the buffer does not stop a read; a download is readable once its copy is
//! done.

use vkres::ash::vk;
use vkres::{BufferDesc, Error, Fence, MappingType, QueueSync};

use crate::support::{Gpu, HostGate, noise};

fn mapped(gpu: &Gpu, name: &str) -> vkres::Buffer {
    let usage = vk::BufferUsageFlags::TRANSFER_DST | vk::BufferUsageFlags::TRANSFER_SRC;
    let desc = BufferDesc::new(256, usage).mapping(MappingType::HostAccessRandom).name(name);
    gpu.alloc().create_buffer(&desc).expect("buffer")
}

#[test]
fn a_read_waits_for_pending_work_that_writes_the_buffer_not_for_work_that_reads_it() {
    let gpu = Gpu::new();
    let (written, read_only) = (mapped(&gpu, "written"), mapped(&gpu, "read only"));
    let (old, new) = (noise(256, 1), noise(256, 2));
    written.write(0, &old).expect("write");
    read_only.write(0, &old).expect("write");
    let sink = gpu.device_buffer(256, "sink");

    let gate = HostGate::new(&gpu);
    let fence = Fence::new(gpu.ctx(), false).expect("fence");
    let mut batch = gpu.alloc().batch().expect("batch");
    batch.upload_bytes(&written, 0, &new).expect("upload");
    batch.copy_buffer(&read_only, 0, &sink, 0, 256).expect("copy");
    let waits = [gate.wait_info()];
    // SAFETY: the gate's semaphore is live until the submission was waited for; value 1 is
    // signalled by the host only.
    let mut in_flight =
        unsafe { batch.submit_with_semaphores(&fence, QueueSync { waits: &waits, signals: &[] }) }.expect("submit");
    let mut out = vec![0u8; 256];
    let refused = written.read(0, &mut out);
    let allowed = read_only.read(0, &mut out);
    let allowed_bytes = out.clone();
    // Opened before any assertion: a failing one leaves no submission pending.
    gate.open();
    gpu.ctx().wait_idle().expect("idle");
    assert!(in_flight.poll(), "finished");
    // Finished, but still held by `in_flight`: vkres knows the work is done only when the
    // hold is released.
    assert!(matches!(written.read(0, &mut [0u8; 4]), Err(Error::InUseByRecordedWork { .. })));
    assert!(
        matches!(&refused, Err(Error::InUseByRecordedWork { name, .. }) if name == "written"),
        "a read under a pending upload: {refused:?}"
    );
    allowed.expect("a read of a buffer pending work only reads");
    assert!(allowed_bytes == old);
    drop(in_flight);
    // The work is finished and released: the read returns the new bytes.
    assert!(written.read_vec().expect("read after the work") == new);
}

#[test]
fn a_download_is_readable_once_its_copy_is_done() {
    let gpu = Gpu::new();
    let source = mapped(&gpu, "source");
    let data = noise(256, 3);
    source.write(0, &data).expect("write");
    let mut batch = gpu.alloc().batch().expect("batch");
    let download = batch.download_buffer(&source).expect("download");
    let fence = Fence::new(gpu.ctx(), false).expect("fence");
    let mut in_flight = batch.submit_with_fence(&fence).expect("submit");
    gpu.ctx().wait_idle().expect("idle");
    assert!(in_flight.poll(), "finished");
    // The batch still holds the readback buffer (until `in_flight` drops): readable all the same.
    assert!(download.bytes().expect("download") == data);
    drop(in_flight);
}

/// A buffer a batch first copies from, then uploads into (staged: the copy reads it): the
/// upload's write hold is taken although the buffer was held already, so a read is refused.
#[test]
fn an_upload_into_a_buffer_first_copied_from_stops_reads() {
    let gpu = Gpu::new();
    let buffer = mapped(&gpu, "copied then written");
    buffer.write(0, &noise(256, 4)).expect("write");
    let sink = gpu.device_buffer(256, "sink");
    let mut batch = gpu.alloc().batch().expect("batch");
    batch.copy_buffer(&buffer, 0, &sink, 0, 256).expect("copy");
    buffer.read_vec().expect("a read while the batch only reads it");
    batch.upload_bytes(&buffer, 0, &noise(256, 5)).expect("upload");
    let refused = buffer.read_vec();
    assert!(matches!(&refused, Err(Error::InUseByRecordedWork { .. })), "{refused:?}");
    batch.submit_and_wait().expect("submit");
    assert!(buffer.read_vec().expect("read after the work") == noise(256, 5));
}
