//! The size of the expansion of the compile-cost bench's struct (vkres-bench's
//! `derive_cost.rs`), per field kind: what the compiler has to type-check per derived
//! struct (issue 20, item 5). `cargo test -p vkres-derive --lib expansion -- --nocapture`
//! prints them; the test fails when the bench's struct grows past its budget.

/// Tokens the bench's struct may expand to (1824 when this was written, 1859 with the
/// `const fn` flag unions of session 6, 1071 with the raw-number specs and the text skeleton
/// of session 7, 856 without the `Drop`/`Release` its declaration order makes unneeded; 871
/// in session 9, after the statement `let _ = &__vkres_inputs;` was dropped, 877 before it).
/// Tokens and items, more than LLVM IR, are what an incremental rebuild pays
/// (docs/design-notes.md, "Derive, round 2", "round 3" and "round 5").
const BUDGET: usize = 900;

fn tokens(stream: proc_macro2::TokenStream) -> usize {
    stream
        .into_iter()
        .map(|t| match t {
            proc_macro2::TokenTree::Group(g) => 2 + tokens(g.stream()),
            _ => 1,
        })
        .sum()
}

fn expanded(fields: &str) -> usize {
    let input = format!("struct Resources0 {{ {fields} }}");
    let out = super::derive(input.parse().expect("tokens"));
    let text = out.to_string();
    assert!(!text.contains("compile_error"), "{text}");
    tokens(out)
}

#[test]
fn the_bench_struct_expands_within_its_token_budget() {
    let fields = [
        ("buffer with data", "#[gpu(buffer(usage = VERTEX, data = [1u32, 2, 3]))] vertices: Buffer<u32>,"),
        (
            "buffer with len, bound",
            "#[gpu(buffer(usage = STORAGE, len = 64), binding = 0, stages = COMPUTE)] results: Buffer<u32>,",
        ),
        (
            "buffer from input, bound",
            "#[gpu(buffer(usage = UNIFORM, data = input), binding = 1)] params: Buffer<[f32; 4]>,",
        ),
        (
            "texture, bound",
            "#[gpu(texture(format = R8G8B8A8_UNORM, extent = [2, 2], data = [255u8; 16], sampler = linear), binding = 2, stages = FRAGMENT)] albedo: Texture,",
        ),
        ("sampler", "#[gpu(sampler(filter = linear, address = repeat))] linear: Sampler,"),
    ];
    let all: String = fields.iter().map(|f| f.1).collect();
    let whole = expanded(&all);
    eprintln!("expansion of the bench's struct: {whole} tokens");
    for (name, field) in fields {
        let alone = match name {
            "texture, bound" => expanded(&format!("{field}{}", fields[4].1)) - expanded(fields[4].1),
            _ => expanded(field),
        };
        eprintln!("  {name}: {alone} tokens alone");
    }
    assert!(whole <= BUDGET, "the bench's struct expands to {whole} tokens, over its budget of {BUDGET}");
}

/// The generated text names a raw field (`r#type`) by its raw name (its local is
/// `format_ident!`'s, which drops the `r#`).
#[test]
fn a_raw_field_name_expands_to_valid_text() {
    let input = "struct S { #[gpu(buffer(usage = STORAGE, len = 4), binding = 0)] r#type: Buffer<u32>, }";
    let out = super::derive(input.parse().expect("tokens")).to_string();
    assert!(!out.contains("compile_error"), "{out}");
    assert!(out.contains("r#type : __vkres_field_type"), "{out}");
    assert!(out.contains("let __vkres_field_type"), "{out}");
    assert!(out.contains("& self . r#type"), "{out}");
}

/// A `Drop` (and the `Release` a bundle nesting this one calls) only where declaration order is
/// not already a reverse dependency order: a sampler declared before its texture needs one.
#[test]
fn drop_only_where_declaration_order_does_not_release() {
    let drop_of = |fields: &str| {
        let out = super::derive(format!("struct S {{ {fields} }}").parse().expect("tokens")).to_string();
        assert!(!out.contains("compile_error"), "{out}");
        (out.contains("Drop for S"), out.contains("Release for S"))
    };
    let texture = "#[gpu(texture(format = R8_UNORM, extent = [1, 1], sampler = s))] t: Texture,";
    let sampler = "#[gpu(sampler)] s: Sampler,";
    assert_eq!(drop_of(&format!("{texture}{sampler}")), (false, false));
    assert_eq!(drop_of(&format!("{sampler}{texture}")), (true, true));
    let buffers = "#[gpu(buffer(usage = STORAGE, len = 1))] a: Buffer<u32>, #[gpu(buffer(usage = STORAGE, len = 1))] b: Buffer<u32>,";
    assert_eq!(drop_of(buffers), (false, false));
    // A collection releases its elements last to first, which its own drop does not.
    assert_eq!(drop_of("#[gpu(buffers(usage = STORAGE, data = input))] a: Vec<Buffer<u32>>,"), (true, true));
    assert_eq!(drop_of("#[gpu(bundle)] inner: Inner,"), (true, true));
}
