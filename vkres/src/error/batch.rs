//! Why a batch refused a call (see [`Error::Batch`](super::Error::Batch)).

/// Why a [`Batch`](crate::Batch) cannot take a call in its state.
///
/// `Send + Sync`: plain data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BatchError {
    /// The batch was submitted; it records nothing more.
    #[error("the batch was already submitted")]
    Submitted,
    /// An earlier submission of the batch failed; it can only be dropped.
    #[error("an earlier submission of the batch failed")]
    Failed,
    /// The fence given to a submission still signals an earlier, pending submission.
    #[error("the fence already signals a pending submission")]
    FenceBusy,
}
