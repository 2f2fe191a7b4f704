//! [`SlotTable`]: a generational table of values, addressed by [`ResourceHandle`].

use super::handle::{ResourceHandle, new_manager_id};

/// One slot: the generation that live handles to it carry, and its value while live.
struct Slot<T> {
    generation: u32,
    value: Option<T>,
}

/// Values in slots that are reused after removal, each lookup checked against the slot's
/// generation. Not synchronised itself: the manager keeps it behind a lock.
pub(crate) struct SlotTable<T> {
    slots: Vec<Slot<T>>,
    /// Indices of empty slots that may be reused.
    free: Vec<u32>,
    capacity: u32,
    live: usize,
    /// The identity its handles carry: a handle of another table never names a value here.
    owner: u64,
}

impl<T> SlotTable<T> {
    /// A table of at most `capacity` slots.
    pub(crate) fn new(capacity: u32) -> Self {
        Self { slots: Vec::new(), free: Vec::new(), capacity, live: 0, owner: new_manager_id() }
    }

    /// Stores `value` in a free slot, or `None` when all `capacity` slots are taken.
    /// `make` receives the handle the value will have (before it is stored).
    pub(crate) fn insert_with(&mut self, make: impl FnOnce(ResourceHandle) -> T) -> Option<ResourceHandle> {
        let index = match self.free.pop() {
            Some(i) => i,
            None if (self.slots.len() as u64) < u64::from(self.capacity) => {
                self.slots.push(Slot { generation: 1, value: None });
                (self.slots.len() - 1) as u32
            }
            None => return None,
        };
        let slot = &mut self.slots[index as usize];
        let handle = ResourceHandle::new(index, slot.generation, self.owner);
        slot.value = Some(make(handle));
        self.live += 1;
        Some(handle)
    }

    /// Whether `handle` was made by this table (live or stale).
    pub(crate) fn owns(&self, handle: ResourceHandle) -> bool {
        handle.manager() == self.owner
    }

    /// The value `handle` names, if it is this table's, live and of this generation.
    pub(crate) fn get(&self, handle: ResourceHandle) -> Option<&T> {
        if !self.owns(handle) {
            return None;
        }
        let slot = self.slots.get(handle.index() as usize)?;
        if slot.generation != handle.generation() {
            return None;
        }
        slot.value.as_ref()
    }

    /// Removes and returns the value `handle` names. Its slot's generation moves on, so the
    /// handle (and every copy of it) is stale from now on. A slot whose generation would wrap
    /// is retired rather than reused, so that no old handle can ever match it again.
    pub(crate) fn remove(&mut self, handle: ResourceHandle) -> Option<T> {
        if !self.owns(handle) {
            return None;
        }
        let index = handle.index();
        let slot = self.slots.get_mut(index as usize)?;
        if slot.generation != handle.generation() {
            return None;
        }
        let value = slot.value.take()?;
        self.live -= 1;
        match slot.generation.checked_add(1) {
            Some(next) => {
                slot.generation = next;
                self.free.push(index);
            }
            None => slot.generation = 0, // generation 0 is in no handle: retired
        }
        Some(value)
    }

    /// The value `handle` names, mutably, if it is live and of this generation.
    pub(crate) fn get_mut(&mut self, handle: ResourceHandle) -> Option<&mut T> {
        let slot = self.slots.get_mut(handle.index() as usize)?;
        if slot.generation != handle.generation() {
            return None;
        }
        slot.value.as_mut()
    }

    /// The live values with their handles.
    pub(crate) fn entries(&self) -> impl Iterator<Item = (ResourceHandle, &T)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.value.as_ref().map(|v| (ResourceHandle::new(i as u32, s.generation, self.owner), v)))
    }

    /// The live values.
    pub(crate) fn values(&self) -> impl Iterator<Item = &T> {
        self.slots.iter().filter_map(|s| s.value.as_ref())
    }

    /// Number of live values.
    pub(crate) fn len(&self) -> usize {
        self.live
    }
}
