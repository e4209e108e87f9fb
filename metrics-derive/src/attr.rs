//! Attribute plumbing shared by the derives: walking `#[name(key = value, …)]`
//! lists without stopping at the first mistake, doc comments, and the path of
//! the runtime's private module.

use proc_macro2::TokenStream;
use quote::quote;
use syn::meta::ParseNestedMeta;

use crate::ctxt::Ctxt;

/// Calls `on_key(key, meta)` for every `key` of every `#[attr_name(…)]` in
/// `attrs`. A key not in `valid` is reported with the list of valid keys
/// (tokio-macros style), a key given twice is reported on its second
/// occurrence, and in both cases parsing carries on with the next key.
pub(crate) fn for_each_key(
    attrs: &[syn::Attribute],
    attr_name: &str,
    valid: &[&str],
    ctxt: &Ctxt,
    mut on_key: impl FnMut(&str, &ParseNestedMeta) -> syn::Result<()>,
) {
    let mut seen: Vec<String> = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident(attr_name)) {
        if let syn::Meta::Path(path) = &attr.meta {
            ctxt.error_spanned_by(
                path,
                format_args!(
                    "expected options: `#[{attr_name}({})]`",
                    valid
                        .iter()
                        .map(|k| format!("{k} = …"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
            continue;
        }
        let result = attr.parse_nested_meta(|meta| {
            let key = match meta.path.get_ident() {
                Some(ident) => ident.to_string(),
                None => String::new(),
            };
            if !valid.contains(&key.as_str()) {
                ctxt.error_spanned_by(
                    &meta.path,
                    format_args!(
                        "unknown `#[{attr_name}]` option `{}`: expected {}",
                        path_string(&meta.path),
                        list(valid)
                    ),
                );
                return skip_value(&meta);
            }
            if seen.contains(&key) {
                ctxt.error_spanned_by(&meta.path, format_args!("`{key}` is given twice: keep one"));
                return skip_value(&meta);
            }
            seen.push(key.clone());
            on_key(&key, &meta)
        });
        if let Err(err) = result {
            ctxt.syn_error(err);
        }
    }
}

fn path_string(path: &syn::Path) -> String {
    quote!(#path).to_string().replace(' ', "")
}

/// `` `a`, `b` or `c` ``.
pub(crate) fn list(keys: &[&str]) -> String {
    let quoted: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
    match quoted.as_slice() {
        [] => "nothing".to_owned(),
        [one] => one.clone(),
        [init @ .., last] => format!("one of {} or {last}", init.join(", ")),
    }
}

/// Consumes the value of an option being skipped (`= expr` or `(…)`).
fn skip_value(meta: &ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        meta.value()?.parse::<syn::Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.input.parse::<proc_macro2::TokenTree>()?;
    }
    Ok(())
}

/// The string value of `key = "…"`.
pub(crate) fn lit_str(meta: &ParseNestedMeta) -> syn::Result<syn::LitStr> {
    let expr: syn::Expr = meta.value()?.parse()?;
    match expr {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => Ok(s),
        other => Err(syn::Error::new_spanned(
            other,
            format_args!(
                "expected a string literal: `{} = \"…\"`",
                path_string(&meta.path)
            ),
        )),
    }
}

/// `crate = "path::to::promstrict"`.
pub(crate) fn crate_path(meta: &ParseNestedMeta) -> syn::Result<syn::Path> {
    parse_crate_path(&lit_str(meta)?)
}

/// `crate = "path::to::promstrict"` given as a parsed string literal.
pub(crate) fn parse_crate_path(lit: &syn::LitStr) -> syn::Result<syn::Path> {
    lit.parse::<syn::Path>().map_err(|_| {
        syn::Error::new_spanned(
            lit,
            "expected the path the runtime is re-exported at, e.g. `crate = \"my_crate::promstrict\"`",
        )
    })
}

/// The path generated code reaches the runtime through: the `crate = "…"`
/// override if given, else the name the user's `Cargo.toml` gives the
/// `promstrict` package (a renamed dependency included), else the
/// `promstrict-core` package, else `::promstrict`; followed by the runtime's
/// hidden module of this exact version.
pub(crate) fn private_path(krate: Option<&syn::Path>) -> TokenStream {
    let module = syn::Ident::new(&private_module(), proc_macro2::Span::call_site());
    if let Some(path) = krate {
        return quote!(#path::#module);
    }
    if let Some(found) = runtime_from_manifest() {
        let name = found.as_deref().unwrap_or("promstrict");
        let ident = syn::Ident::new(name, proc_macro2::Span::call_site());
        return quote!(::#ident::#module);
    }
    for package in RUNTIME_PACKAGES {
        match proc_macro_crate::crate_name(package) {
            Ok(proc_macro_crate::FoundCrate::Name(name)) => {
                let ident = syn::Ident::new(&name, proc_macro2::Span::call_site());
                return quote!(::#ident::#module);
            }
            // The package's own tests, examples and doctests (each library
            // declares `extern crate self as <its name>`).
            Ok(proc_macro_crate::FoundCrate::Itself) => {
                let ident =
                    syn::Ident::new(&package.replace('-', "_"), proc_macro2::Span::call_site());
                return quote!(::#ident::#module);
            }
            Err(_) => {}
        }
    }
    quote!(::promstrict::#module)
}

/// What `proc_macro_crate::crate_name` finds for `RUNTIME_PACKAGES`, read
/// from the manifest of the crate being compiled alone: `Some(Some(name))`,
/// the name to use; `Some(None)`, neither package. `None` when the manifest
/// is not enough to tell: a dependency inherited from the workspace
/// (`workspace = true`) is named in the workspace's manifest, which
/// `proc_macro_crate` asks cargo for, a process per compiled crate.
fn runtime_from_manifest() -> Option<Option<String>> {
    type Cache = Option<(
        std::path::PathBuf,
        std::time::SystemTime,
        Option<Option<String>>,
    )>;
    // One compilation runs the macros many times on the same manifest.
    static CACHE: std::sync::Mutex<Cache> = std::sync::Mutex::new(None);
    let dir = std::env::var_os("CARGO_MANIFEST_DIR")?;
    let path = std::path::Path::new(&dir).join("Cargo.toml");
    let modified = std::fs::metadata(&path).and_then(|m| m.modified()).ok()?;
    let mut cache = CACHE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((cached_path, cached_modified, found)) = &*cache {
        if *cached_path == path && *cached_modified == modified {
            return found.clone();
        }
    }
    let found = read_runtime_name(&path);
    *cache = Some((path, modified, found.clone()));
    found
}

/// `runtime_from_manifest` without the cache.
fn read_runtime_name(path: &std::path::Path) -> Option<Option<String>> {
    let text = std::fs::read_to_string(path).ok()?;
    let manifest: toml_edit::DocumentMut = text.parse().ok()?;
    let own_name = manifest
        .get("package")
        .and_then(|p| p.get("name"))
        .and_then(|n| n.as_str());
    // The dependency tables proc_macro_crate reads, in its order (a later
    // entry for the same package wins).
    let mut tables: Vec<&dyn toml_edit::TableLike> = Vec::new();
    push_dep_tables(manifest.as_table(), &mut tables);
    if let Some(targets) = manifest
        .get("target")
        .and_then(toml_edit::Item::as_table_like)
    {
        for (_, target) in targets.iter() {
            if let Some(target) = target.as_table_like() {
                push_dep_tables(target, &mut tables);
            }
        }
    }
    let mut found: [Option<String>; 2] = [None, None];
    for (dep_name, dep) in tables.iter().flat_map(|t| t.iter()) {
        if dep
            .get("workspace")
            .and_then(toml_edit::Item::as_bool)
            .unwrap_or_default()
        {
            return None;
        }
        let package = dep
            .get("package")
            .and_then(toml_edit::Item::as_str)
            .unwrap_or(dep_name);
        if own_name == Some(package) {
            continue;
        }
        if let Some(i) = RUNTIME_PACKAGES.iter().position(|p| *p == package) {
            found[i] = Some(dep_name.replace('-', "_"));
        }
    }
    for (i, package) in RUNTIME_PACKAGES.iter().enumerate() {
        if own_name == Some(*package) {
            return Some(Some(package.replace('-', "_")));
        }
        if let Some(name) = found[i].take() {
            return Some(Some(name));
        }
    }
    Some(None)
}

/// The `[dependencies]` and `[dev-dependencies]` of `table`.
fn push_dep_tables<'a>(
    table: &'a dyn toml_edit::TableLike,
    tables: &mut Vec<&'a dyn toml_edit::TableLike>,
) {
    for key in ["dependencies", "dev-dependencies"] {
        if let Some(deps) = table.get(key).and_then(toml_edit::Item::as_table_like) {
            tables.push(deps);
        }
    }
}

/// The packages generated code may refer to, in order of preference: the
/// facade users add, then the core it re-exports.
const RUNTIME_PACKAGES: [&str; 2] = ["promstrict", "promstrict-core"];

/// `__private_<version>`: the runtime names its hidden module after its
/// version, which is always this crate's (they are released together), so a
/// mismatched pair fails to build.
fn private_module() -> String {
    format!(
        "__private_{}",
        env!("CARGO_PKG_VERSION").replace(['.', '-', '+'], "_")
    )
}

/// The doc comment as one line: every line trimmed, blank lines dropped,
/// the rest joined with spaces. `None` if there is no text.
pub(crate) fn doc_text(attrs: &[syn::Attribute]) -> Option<String> {
    let mut words: Vec<String> = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("doc")) {
        let syn::Meta::NameValue(nv) = &attr.meta else {
            continue;
        };
        let syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) = &nv.value
        else {
            continue;
        };
        for line in s.value().lines() {
            let line = line.trim();
            if !line.is_empty() {
                words.push(line.to_owned());
            }
        }
    }
    (!words.is_empty()).then(|| words.join(" "))
}

/// An identifier as written in names: `r#type` is `type`.
pub(crate) fn unraw(ident: &syn::Ident) -> String {
    let s = ident.to_string();
    s.strip_prefix("r#").map(str::to_owned).unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_lines_are_joined() {
        let item: syn::ItemStruct = syn::parse_quote! {
            /// Total HTTP requests,
            ///   by method.
            ///
            #[doc = "  And status.  "]
            struct S;
        };
        assert_eq!(
            doc_text(&item.attrs).as_deref(),
            Some("Total HTTP requests, by method. And status.")
        );
        let bare: syn::ItemStruct = syn::parse_quote! {
            ///
            struct S;
        };
        assert_eq!(doc_text(&bare.attrs), None);
    }

    fn runtime_name(manifest: &str) -> Option<Option<String>> {
        let dir = std::env::temp_dir().join(format!(
            "promstrict-derive-manifest-{}-{:x}",
            std::process::id(),
            manifest.len() * 31 + manifest.bytes().map(usize::from).sum::<usize>()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("Cargo.toml");
        std::fs::write(&path, manifest).unwrap();
        let found = read_runtime_name(&path);
        std::fs::remove_dir_all(&dir).unwrap();
        found
    }

    #[test]
    fn the_runtime_is_found_in_the_manifest() {
        let some = |name: &str| Some(Some(name.to_owned()));
        assert_eq!(
            runtime_name("[package]\nname = \"app\"\n[dependencies]\npromstrict = \"0.1\"\n"),
            some("promstrict")
        );
        assert_eq!(
            runtime_name(
                "[package]\nname = \"app\"\n[dependencies]\nmy-metrics = { package = \"promstrict\", path = \"x\" }\n"
            ),
            some("my_metrics")
        );
        // The facade is preferred to the core; a target's table counts too.
        assert_eq!(
            runtime_name(
                "[package]\nname = \"app\"\n[dependencies]\npromstrict-core = \"0.1\"\n[target.'cfg(unix)'.dev-dependencies]\nps = { package = \"promstrict\", version = \"0.1\" }\n"
            ),
            some("ps")
        );
        assert_eq!(
            runtime_name("[package]\nname = \"promstrict-core\"\n[dependencies]\nserde = \"1\"\n"),
            some("promstrict_core")
        );
        assert_eq!(
            runtime_name("[package]\nname = \"app\"\n[dependencies]\nserde = \"1\"\n"),
            Some(None)
        );
        // A dependency inherited from the workspace: the workspace decides.
        assert_eq!(
            runtime_name(
                "[package]\nname = \"app\"\n[dependencies]\nmetrics = { workspace = true }\n"
            ),
            None
        );
    }

    #[test]
    fn lists() {
        assert_eq!(list(&["a"]), "`a`");
        assert_eq!(list(&["a", "b", "c"]), "one of `a`, `b` or `c`");
    }
}
