//! The static assets (CSS, icons, a little JS), compiled into the binary so
//! that a registry on an offline customer site needs nothing from the internet.

use include_dir::{include_dir, Dir};

static STATIC: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/static");

/// Appended to asset URLs (`?v=`), so that an upgrade is not hidden by caches.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The bytes and media type of `/static/{path}`; `None` when there is no such asset.
pub fn get(path: &str) -> Option<(&'static [u8], &'static str)> {
    let file = STATIC.get_file(path)?;
    let media = match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        _ => "application/octet-stream",
    };
    Some((file.contents(), media))
}

#[cfg(test)]
mod tests {
    #[test]
    fn assets_are_embedded() {
        assert_eq!(
            super::get("style.css").unwrap().1,
            "text/css; charset=utf-8"
        );
        assert!(super::get("icons.svg").is_some());
        assert!(super::get("../Cargo.toml").is_none());
        assert!(super::get("nope.css").is_none());
    }
}
