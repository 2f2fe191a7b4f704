//! [`NameRef`]: a debug name as the creating code has it. At the ground floor (beside
//! `error`) because both the memory layer (VMA's leak table) and the resources keep names.

use std::borrow::Cow;

/// A resource's debug name as the creating code has it: a `&'static str` (the derive's
/// `Bundle.field` names) is kept by the resource and the leak table without a copy.
#[derive(Debug, Clone, Copy)]
pub(crate) enum NameRef<'a> {
    Static(&'static str),
    Borrowed(&'a str),
}

impl<'a> NameRef<'a> {
    pub(crate) fn as_str(&self) -> &'a str {
        match *self {
            Self::Static(name) => name,
            Self::Borrowed(name) => name,
        }
    }

    /// An owned name: a copy only of a borrowed one.
    pub(crate) fn to_cow(self) -> Cow<'static, str> {
        match self {
            Self::Static(name) => Cow::Borrowed(name),
            Self::Borrowed(name) => Cow::Owned(name.to_owned()),
        }
    }
}
