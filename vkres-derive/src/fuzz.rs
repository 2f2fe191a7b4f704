//! The macro never panics: a deterministic fuzz test of [`derive`](crate::derive).
//!
//! A seeded xorshift generator writes structs over the `#[gpu(...)]` grammar (every kind and key
//! of `symbol.rs`, right and wrong values, nesting, field types, references to other fields and
//! to nothing), then mutates their token trees (drops, duplicates, swaps, replaces tokens,
//! flattens and re-nests groups). Each input must give tokens (an impl, or `compile_error!`s
//! and the stub), never a panic.

use std::panic;

use proc_macro2::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};

use crate::symbol;

/// Inputs generated per run (half of them mutated).
const CASES: u64 = 12_000;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    fn pick_pair<'a>(&mut self, items: &[(&'a str, &'a str)]) -> &'a str {
        let (low, up) = items[self.below(items.len())];
        if self.chance(50) { low } else { up }
    }
}

const FIELD_TYPES: &[&str] = &[
    "Buffer<u32>",
    "Buffer",
    "Buffer<[f32; 3]>",
    "Buffer<u16>",
    "Buffer<Aabb>",
    "Texture",
    "ImageView",
    "Sampler",
    "ShaderModule",
    "Blas",
    "Tlas",
    "Inner",
    "u32",
    "Vec<u8>",
    "&'a [u8]",
    "Option<Buffer<u32>>",
    "vkres::Buffer<vkres::Transform3x4>",
];

const NAMES: &[&str] = &["a", "b", "c", "verts", "idx", "tex", "smp", "blas", "tlas", "missing", "self", "r#type"];

const VALUES: &[&str] = &[
    "1",
    "0",
    "4294967296",
    "-1",
    "1.5",
    "\"tests/fixtures/empty_compute.spv\"",
    "\"tests/fixtures/not_spirv.spv\"",
    "\"no/such.spv\"",
    "\"\"",
    "[1u32, 2, 3]",
    "[0u8; 64]",
    "[]",
    "[4, 4]",
    "[1, 2, 3, 4]",
    "[[1.0f32; 3]; 3]",
    "vec![1u32]",
    "f()",
    "input",
    "inputs",
    "generate",
    "true",
    "false",
    "0xFF",
    "R8G8B8A8_UNORM",
    "NOT_A_FORMAT",
    "linear",
    "CUBE",
    "STORAGE | TRANSFER_SRC",
    "VERTEX |",
    "| |",
    "a",
    "missing",
];

/// The keys a kind takes, plus a few it does not.
fn keys(kind: &str) -> &'static [&'static str] {
    match kind {
        symbol::BUFFER => symbol::BUFFER_KEYS,
        symbol::TEXTURE => symbol::TEXTURE_KEYS,
        symbol::SAMPLER => symbol::SAMPLER_KEYS,
        symbol::BLAS => symbol::BLAS_KEYS,
        symbol::TLAS => symbol::TLAS_KEYS,
        symbol::SHADER => symbol::SHADER_KEYS,
        _ => symbol::INSTANCE_KEYS,
    }
}

/// A value for `key`: usually one of its own, sometimes anything.
fn value(rng: &mut Rng, key: &str, depth: u32) -> String {
    if rng.chance(25) {
        return rng.pick(VALUES).to_owned();
    }
    let pair = match key {
        symbol::USAGE => Some(if rng.chance(50) { symbol::BUFFER_USAGES } else { symbol::IMAGE_USAGES }),
        symbol::MAPPING => Some(symbol::MAPPINGS),
        symbol::LOCATION => Some(symbol::LOCATIONS),
        symbol::VIEW => Some(symbol::VIEW_TYPES),
        symbol::LAYOUT => Some(symbol::LAYOUTS),
        symbol::STAGES => Some(symbol::STAGE_FLAGS),
        "filter" | "mag_filter" | "min_filter" => Some(symbol::FILTERS),
        "mipmap" => Some(symbol::MIPMAP_MODES),
        "address" | "address_u" | "address_v" | "address_w" => Some(symbol::ADDRESS_MODES),
        "compare" => Some(symbol::COMPARE_OPS),
        "border" => Some(symbol::BORDER_COLORS),
        _ => None,
    };
    if let Some(pairs) = pair {
        let n = 1 + rng.below(3);
        return (0..n).map(|_| rng.pick_pair(pairs)).collect::<Vec<_>>().join(" | ");
    }
    match key {
        symbol::COPY | "vertices" | "indices" | "aabbs" | "transform" | symbol::BLAS => rng.pick(NAMES).to_owned(),
        symbol::SAMPLER if depth < 2 && rng.chance(50) => format!("sampler({})", args(rng, symbol::SAMPLER, depth + 1)),
        symbol::SAMPLER => rng.pick(NAMES).to_owned(),
        symbol::INSTANCE if depth < 2 => format!("instance({})", args(rng, symbol::INSTANCE, depth + 1)),
        _ => rng.pick(VALUES).to_owned(),
    }
}

/// `key = value, ...` for `kind`, with flags, repeats and stray keys now and then.
fn args(rng: &mut Rng, kind: &str, depth: u32) -> String {
    let n = rng.below(5);
    let mut out = Vec::new();
    for _ in 0..n {
        let key = if rng.chance(10) {
            rng.pick(&["lenn", "usage", "instance", "bogus", "binding"])
        } else {
            rng.pick(keys(kind))
        };
        if key == symbol::INSTANCE && depth < 2 {
            out.push(format!("instance({})", args(rng, symbol::INSTANCE, depth + 1)));
        } else if rng.chance(10) {
            out.push(key.to_owned()); // a flag
        } else {
            out.push(format!("{key} = {}", value(rng, key, depth)));
        }
    }
    out.join(", ")
}

/// One `#[gpu(...)]` attribute.
fn attribute(rng: &mut Rng) -> String {
    let kind = rng.pick(symbol::TOP_LEVEL);
    let mut body = match kind {
        symbol::BINDING | symbol::STAGES => format!("{kind} = {}", value(rng, kind, 0)),
        symbol::BUNDLE if rng.chance(50) => "bundle(inputs)".to_owned(),
        _ if rng.chance(15) => kind.to_owned(),
        _ => format!("{kind}({})", args(rng, kind, 0)),
    };
    if rng.chance(30) {
        body.push_str(&format!(", binding = {}", rng.below(4)));
    }
    if rng.chance(15) {
        body.push_str(&format!(", stages = {}", value(rng, symbol::STAGES, 0)));
    }
    if rng.chance(5) {
        return format!("#[gpu = {body:?}]");
    }
    format!("#[gpu({body})]")
}

/// A whole struct.
fn structure(rng: &mut Rng) -> String {
    let generics = match rng.below(12) {
        0 => "<T>",
        1 => "<'a>",
        _ => "",
    };
    let shape = rng.below(20);
    let n = rng.below(6);
    let mut fields = Vec::new();
    for i in 0..n {
        let mut attrs = String::new();
        for _ in 0..(if rng.chance(90) { 1 } else { rng.below(3) }) {
            attrs.push_str(&attribute(rng));
        }
        let name = if rng.chance(70) {
            format!("{}{i}", rng.pick(NAMES).trim_start_matches("r#"))
        } else {
            rng.pick(NAMES).to_owned()
        };
        fields.push(format!("{attrs} {name}: {}", rng.pick(FIELD_TYPES)));
    }
    match shape {
        0 => format!("enum E{generics} {{ A, B }}"),
        1 => format!("struct T{generics}(#[gpu(sampler)] Sampler);"),
        2 => format!("struct U{generics};"),
        _ => format!("struct S{generics} {{ {} }}", fields.join(", ")),
    }
}

/// One random edit of a token tree.
fn mutate(rng: &mut Rng, tokens: TokenStream, depth: u32) -> TokenStream {
    let mut trees: Vec<TokenTree> = tokens.into_iter().collect();
    if trees.is_empty() {
        return TokenStream::new();
    }
    let i = rng.below(trees.len());
    match rng.below(8) {
        0 => {
            trees.remove(i);
        }
        1 => {
            let t = trees[i].clone();
            trees.insert(i, t);
        }
        2 => {
            let j = rng.below(trees.len());
            trees.swap(i, j);
        }
        3 => trees[i] = TokenTree::Literal(Literal::u64_unsuffixed(rng.next() % 1000)),
        4 => {
            trees[i] = TokenTree::Ident(Ident::new(
                rng.pick(&["gpu", "buffer", "texture", "blas", "tlas", "x"]),
                Span::call_site(),
            ))
        }
        5 => {
            trees[i] = TokenTree::Punct(Punct::new(
                *[',', '=', '|', '#', ':'].get(rng.below(5)).unwrap_or(&','),
                Spacing::Alone,
            ))
        }
        6 => {
            // Flatten a group, or wrap a token in a new one.
            if let TokenTree::Group(g) = &trees[i] {
                let inner: Vec<TokenTree> = g.stream().into_iter().collect();
                trees.splice(i..=i, inner);
            } else {
                let delim = [Delimiter::Parenthesis, Delimiter::Bracket, Delimiter::Brace][rng.below(3)];
                trees[i] = TokenTree::Group(Group::new(delim, trees[i].clone().into()));
            }
        }
        _ => {
            // Descend into a group.
            if let TokenTree::Group(g) = &trees[i] {
                if depth < 6 {
                    let inner = mutate(rng, g.stream(), depth + 1);
                    trees[i] = TokenTree::Group(Group::new(g.delimiter(), inner));
                }
            }
        }
    }
    trees.into_iter().collect()
}

#[test]
fn the_derive_never_panics() {
    // Keep the panic hook quiet while inputs run; report panics ourselves, with the input.
    let hook = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    let (mut impls, mut errors, mut unparsable, mut panics) = (0u64, 0u64, 0u64, Vec::new());
    for case in 0..CASES {
        let source = structure(&mut rng);
        let Ok(mut tokens) = source.parse::<TokenStream>() else {
            unparsable += 1;
            continue;
        };
        if case % 2 == 1 {
            for _ in 0..1 + rng.below(4) {
                tokens = mutate(&mut rng, tokens, 0);
            }
        }
        let input = tokens.to_string();
        match panic::catch_unwind(panic::AssertUnwindSafe(|| crate::derive(tokens))) {
            Ok(out) if out.to_string().contains("compile_error") => errors += 1,
            Ok(_) => impls += 1,
            Err(_) => panics.push(input),
        }
    }
    panic::set_hook(hook);
    println!(
        "FIGURE fuzz: {CASES} cases, {impls} impls, {errors} with compile errors, {unparsable} unparsable sources, {} panics",
        panics.len()
    );
    assert!(panics.is_empty(), "the derive panicked on {} input(s), the first:\n{}", panics.len(), panics[0]);
    assert_eq!(unparsable, 0, "the generator writes token trees");
    assert!(impls > 100 && errors > CASES / 4, "the inputs reach both outcomes: {impls} impls, {errors} errors");
}
