//! The bad-input catalogue: every public constructor, `Batch` method and manager call given
//! input it must refuse, each case asserting the exact error variant. Every group runs twice:
//! with the validation layer on (a case whose input reaches Vulkan fails the group with the
//! layer's message, naming the case) and with it off, as users ship (the same error, no crash).
//! `docs/VALID_USAGE.md` maps each VUID to its check and to the case that breaks it.

mod accel;
mod audit10;
mod audit8;
mod audit8b;
mod audit9;
mod batch;
mod buffers;
mod defrag;
mod descriptors;
mod devices;
mod extensions;
mod frames;
mod images;
mod manager;
mod mappings;
mod memory;
mod memory_control;
mod mend10;
mod mend11;
mod parameters;
mod pending_reads;
mod recorder;
mod samplers;
mod shaders;
mod staging;
mod suballoc;
mod views;

use crate::support::{Gpu, list};

/// A case's call: `Ok` if it failed as expected, else why not.
pub type Run = Box<dyn Fn(&Gpu) -> Result<(), String>>;

/// One bad input: `run` makes the call and says whether it failed as expected.
pub struct Case {
    pub name: &'static str,
    pub run: Run,
}

/// `case!("name", |gpu| expression => Pattern)`: the expression (a `Result`) must be an `Err`
/// matching the pattern (of `vkres::Error` or `vkres::manager::Error`).
macro_rules! case {
    ($name:literal, |$gpu:ident| $body:expr => $pat:pat $(if $guard:expr)?) => {
        $crate::catalogue::Case {
            name: $name,
            run: Box::new(move |$gpu: &$crate::support::Gpu| {
                let _ = $gpu; // not every case needs the context
                // A closure of its own, so that `?` in the body returns the body's error.
                #[allow(clippy::redundant_closure_call)]
                let result = (|| $body)().map(drop);
                match result {
                    Err($pat) $(if $guard)? => Ok(()),
                    Err(e) => Err(format!("wrong error: {e:?}")),
                    Ok(()) => Err("accepted".to_string()),
                }
            }),
        }
    };
}
pub(crate) use case;

/// Runs `cases` on a context with validation and on one without; fails naming every case that
/// was accepted, got another error, or (with validation) let a message through.
pub fn run(group: &str, cases: fn() -> Vec<Case>) {
    let mut failures = Vec::new();
    let mut count = 0;
    for validation in [true, false] {
        let gpu = if validation { Gpu::new() } else { Gpu::without_validation() };
        for case in cases() {
            count += 1;
            if let Err(why) = (case.run)(&gpu) {
                failures.push(format!("{group}::{} (validation {validation}): {why}", case.name));
            }
            let messages = gpu.log().take();
            if !messages.is_empty() {
                failures.push(format!("{group}::{} reached Vulkan:\n{}", case.name, list(&messages)));
            }
        }
        gpu.ctx().wait_idle().expect("idle");
    }
    assert!(failures.is_empty(), "{} of {count} runs failed:\n{}", failures.len(), failures.join("\n"));
    println!("{group}: {} cases, each with and without validation", count / 2);
}

/// How many cases the catalogue holds (at least 150).
#[test]
fn the_catalogue_holds_at_least_150_cases() {
    let groups: [fn() -> Vec<Case>; 26] = [
        accel::cases,
        audit8::cases,
        audit8b::cases,
        audit9::cases,
        audit10::cases,
        batch::cases,
        buffers::cases,
        defrag::cases,
        descriptors::cases,
        devices::cases,
        extensions::cases,
        frames::cases,
        images::cases,
        manager::cases,
        mappings::cases,
        mend10::cases,
        mend11::cases,
        memory_control::cases,
        parameters::cases,
        pending_reads::cases,
        recorder::cases,
        samplers::cases,
        shaders::cases,
        staging::cases,
        suballoc::cases,
        views::cases,
    ];
    let total: usize = groups.iter().map(|g| g().len()).sum();
    assert!(total >= 150, "{total} cases");
    println!("bad-input catalogue: {total} cases");
}
