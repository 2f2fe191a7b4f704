//! The errors of the handle-based [`ResourceManager`](super::ResourceManager): its own
//! (handles, its table, materials) next to every error of the layers below it.

/// `Result` with the manager's [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// Everything that can go wrong in the [`ResourceManager`](super::ResourceManager) and its
/// texture, shader and material managers.
///
/// `Send + Sync + 'static`. An error of the layers below (creation, upload, Vulkan) is
/// [`Error::Vkres`], into which `?` converts a [`crate::Error`]; the lower layers know nothing
/// of the manager, so these variants live here and not in [`crate::Error`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An error of the layers below the manager.
    #[error(transparent)]
    Vkres(#[from] crate::Error),

    /// A [`ResourceHandle`](super::ResourceHandle) of this manager that names no live
    /// resource: its resource was destroyed (its slot may hold a newer one by now).
    #[error("resource handle {handle} is stale")]
    StaleHandle {
        /// The handle, as `#index v generation`.
        handle: String,
    },

    /// A [`ResourceHandle`](super::ResourceHandle) made by another manager.
    #[error("resource handle {handle} was made by another resource manager")]
    ForeignHandle {
        /// The handle, as `#index v generation`.
        handle: String,
    },

    /// A handle of one resource kind passed where another kind is needed (a texture's handle
    /// to a buffer update, say).
    #[error("resource handle {handle} names a {found}, not a {expected}")]
    WrongResourceKind {
        /// The handle, as `#index v generation`.
        handle: String,
        /// The kind needed.
        expected: &'static str,
        /// The kind it names.
        found: &'static str,
    },

    /// Every slot of the resource manager's table is taken.
    #[error("the resource manager holds its maximum of {capacity} resources")]
    ResourceTableFull {
        /// Its capacity.
        capacity: u32,
    },

    /// A material has no parameter of this name.
    #[error("material `{material}` has no parameter `{parameter}`")]
    UnknownMaterialParameter {
        /// The material's name.
        material: String,
        /// The name given.
        parameter: String,
    },

    /// A material parameter given a value of another type than it was declared with.
    #[error("material `{material}`: parameter `{parameter}` is a {expected}, not a {given}")]
    MaterialParameterType {
        /// The material's name.
        material: String,
        /// The parameter.
        parameter: String,
        /// Its declared type.
        expected: &'static str,
        /// The type of the value given.
        given: &'static str,
    },

    /// A material layout that declares a parameter twice.
    #[error("material `{material}`: parameter `{parameter}` is declared twice")]
    DuplicateMaterialParameter {
        /// The material's name.
        material: String,
        /// The parameter.
        parameter: String,
    },
}

impl Error {
    /// The [`vk::Result`](ash::vk::Result) behind this error, if a Vulkan call failed.
    pub fn vk_result(&self) -> Option<ash::vk::Result> {
        match self {
            Error::Vkres(e) => e.vk_result(),
            _ => None,
        }
    }
}
