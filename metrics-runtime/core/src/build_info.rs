//! `build_info!`: the `build_info` metric from one macro call.

use crate::metric::info::Info;
use crate::registry::{Descriptor, Registry, RegistryError};

/// The version of the compiler that built this crate (and so the program).
pub const RUSTC_VERSION: &str = env!("PROMSTRICT_RUSTC_VERSION");

/// What `build_info!` expands to. Not a public API.
#[doc(hidden)]
pub fn register_build_info(
    registry: &Registry,
    namespace: Option<&str>,
    name: &str,
    version: &str,
    revision: Option<&str>,
) -> Result<Info, RegistryError> {
    let info = Info::new([
        ("name", name),
        ("version", version),
        ("revision", revision.unwrap_or("unknown")),
        ("rustc", RUSTC_VERSION),
    ])?;
    let metric = match namespace {
        Some(ns) => format!("{ns}_build_info"),
        None => "build_info".to_owned(),
    };
    registry.register_with(
        Descriptor::new(
            metric,
            "The program's name, version, source revision and compiler version.",
        )
        .owner("`build_info!`"),
        info,
    )
}

/// Registers `build_info{name, version, revision, rustc} 1`: the calling
/// crate's name and version (from Cargo), the source revision (the
/// `GIT_REVISION` environment variable at build time, else `VERGEN_GIT_SHA`,
/// else `unknown`) and the compiler's version. Returns the [`Info`] (to
/// change its labels later) or the registration error.
///
/// Forms: `build_info!()` (the [default registry](crate::default_registry)),
/// `build_info!(namespace = "app")` (named `app_build_info`),
/// `build_info!(registry = &r)` and `build_info!(registry = &r, namespace =
/// "app")`. A registry's own namespace applies too.
///
/// ```
/// # extern crate promstrict_core as promstrict;
/// use promstrict::{build_info, Format, Registry};
///
/// let registry = Registry::new();
/// build_info!(registry = &registry, namespace = "shop")?;
/// let text = registry.encode(Format::Prometheus);
/// assert!(text.contains("shop_build_info{name=\"promstrict-core\",version=\"0.1.0\","));
/// # Ok::<(), promstrict::RegistryError>(())
/// ```
#[macro_export]
macro_rules! build_info {
    () => {
        $crate::build_info!(registry = $crate::default_registry())
    };
    (namespace = $namespace:expr $(,)?) => {
        $crate::build_info!(
            registry = $crate::default_registry(),
            namespace = $namespace
        )
    };
    (registry = $registry:expr $(,)?) => {
        $crate::__build_info_impl!($registry, ::core::option::Option::None)
    };
    (registry = $registry:expr, namespace = $namespace:expr $(,)?) => {
        $crate::__build_info_impl!($registry, ::core::option::Option::Some($namespace))
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __build_info_impl {
    ($registry:expr, $namespace:expr) => {
        $crate::__private_0_1_0::register_build_info(
            $registry,
            $namespace,
            ::core::env!("CARGO_PKG_NAME"),
            ::core::env!("CARGO_PKG_VERSION"),
            match ::core::option_env!("GIT_REVISION") {
                ::core::option::Option::Some(revision) => ::core::option::Option::Some(revision),
                ::core::option::Option::None => ::core::option_env!("VERGEN_GIT_SHA"),
            },
        )
    };
}

#[cfg(test)]
mod tests {
    use crate::{Format, Registry};

    #[test]
    fn every_form_registers_once_with_the_crate_and_compiler() {
        let registry = Registry::with_namespace("app");
        let info = build_info!(registry = &registry).unwrap();
        drop(info);
        let text = registry.encode(Format::OpenMetrics);
        assert!(text.contains("# TYPE app_build info\n"), "{text}");
        assert!(
            text.contains(&format!(
                "app_build_info{{name=\"promstrict-core\",version=\"{}\",revision=\"",
                env!("CARGO_PKG_VERSION")
            )),
            "{text}"
        );
        assert!(
            text.contains(&format!("rustc=\"{}\"}} 1\n", super::RUSTC_VERSION)),
            "{text}"
        );
        assert!(
            super::RUSTC_VERSION.starts_with("1."),
            "{}",
            super::RUSTC_VERSION
        );
        assert!(
            build_info!(registry = &registry).is_err(),
            "registered twice"
        );
        assert!(build_info!(registry = &registry, namespace = "ok").is_ok());
    }
}
