//! [`NameRef`]: a debug name as the creating code has it. At the ground floor (beside
//! `error`) because both the memory layer (VMA's leak table) and the resources keep names.

use std::sync::Arc;

/// A resource's debug name as the creating code has it: a `&'static str` (the derive's
/// `Bundle.field` names) is kept by the resource and the leak table without a copy, and so is
/// a name already shared (one copy for the resource and the leak table together).
#[derive(Debug, Clone, Copy)]
pub(crate) enum NameRef<'a> {
    Static(&'static str),
    Borrowed(&'a str),
    Shared(&'a Arc<str>),
}

impl<'a> NameRef<'a> {
    #[inline]
    pub(crate) fn as_str(&self) -> &'a str {
        match *self {
            Self::Static(name) => name,
            Self::Borrowed(name) => name,
            Self::Shared(name) => name,
        }
    }

    /// The name to keep: a copy only of a borrowed one that is not empty. Inline: the kind
    /// of name is known at most call sites (the unnamed `create_buffer` paid 30 instructions;
    /// 29 with `#[inline]` alone, which left it out of line there).
    #[inline(always)]
    pub(crate) fn to_stored(self) -> StoredName {
        match self {
            Self::Static(name) => StoredName::Static(name),
            Self::Borrowed("") => StoredName::Static(""),
            Self::Borrowed(name) => StoredName::Shared(Arc::from(name)),
            Self::Shared(name) => StoredName::Shared(name.clone()),
        }
    }
}

/// A kept debug name (a resource's, the leak table's): static, or one shared string that a
/// resource and the leak table hold together (a clone is a reference count, not a copy).
#[derive(Debug, Clone)]
pub(crate) enum StoredName {
    Static(&'static str),
    Shared(Arc<str>),
}

impl std::ops::Deref for StoredName {
    type Target = str;

    fn deref(&self) -> &str {
        match self {
            Self::Static(name) => name,
            Self::Shared(name) => name,
        }
    }
}
