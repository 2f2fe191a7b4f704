//! What every example shares: its context, with the Khronos validation layer on when
//! `VKRES_VALIDATION=1` (as `tools/run-tests.sh` runs them), and its exit status, which fails
//! on any validation message. Not an example of its own (no `main.rs`).

use std::sync::Arc;

use vkres::{Context, ContextOptions};

/// Whether `VKRES_VALIDATION=1`.
fn validation() -> bool {
    std::env::var("VKRES_VALIDATION").is_ok_and(|v| v == "1")
}

/// The example's context: validation where asked for, and synchronization validation with it
/// when `synchronization` says so.
#[allow(dead_code)]
pub fn context(name: &str, synchronization: bool) -> vkres::Result<Arc<Context>> {
    context_with(name, synchronization, |options| options)
}

/// As [`context`], with more options set by `more` (extensions a window needs, say).
#[allow(dead_code)]
pub fn context_with(
    name: &str,
    synchronization: bool,
    more: impl FnOnce(ContextOptions) -> ContextOptions,
) -> vkres::Result<Arc<Context>> {
    let validation = validation();
    Context::new(more(
        ContextOptions::new()
            .validation(validation)
            .synchronization_validation(validation && synchronization)
            .application_name(name),
    ))
}

/// Prints the validation messages counted (where validation is on) and exits with status 1
/// when there were any, or when the example `failed` a check of its own.
pub fn exit_on_failure(ctx: &Context, failed: bool) {
    let messages = ctx.message_log().len();
    if validation() {
        println!("validation messages: {messages}");
    }
    if messages > 0 || failed {
        std::process::exit(1);
    }
}
